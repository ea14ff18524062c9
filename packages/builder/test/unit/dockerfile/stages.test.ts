import { describe, expect, it } from 'vitest';
import { BuildStageError, parseDockerfile, resolveCopyFrom, resolveFrom, selectStages, stageNameInUse } from '../../../src/dockerfile/index.js';

const df = parseDockerfile('FROM scratch AS One\nENV a=1\nFROM one AS two\nFROM scratch\nCOPY --from=0 /x /y\n');

describe('selectStages', () => {
  it('builds every stage without --target, and up to the target by name in any case', () => {
    expect(selectStages(df).map((s) => s.index)).toEqual([0, 1, 2]);
    expect(selectStages(df, { target: 'oNe' }).map((s) => s.index)).toEqual([0]);
    expect(selectStages(df, { target: 'two' }).map((s) => s.index)).toEqual([0, 1]);
  });

  it("refuses an unknown target with Docker's words (an index is no target)", () => {
    expect(() => selectStages(df, { target: 'nope' })).toThrow(new BuildStageError('failed to reach build target nope in Dockerfile'));
    expect(() => selectStages(df, { target: '0' })).toThrow('failed to reach build target 0 in Dockerfile');
  });

  it('refuses a Dockerfile with ARGs only', () => {
    expect(() => selectStages(parseDockerfile('ARG a=1\n'))).toThrow('No image was generated. Is your Dockerfile empty?');
  });

  it('adds --label as one unexpanded LABEL step per key, sorted, at the end of the last stage', () => {
    const stages = selectStages(df, { target: 'two', labels: { b: '$x', a: '1' } });
    expect(stages[1]!.instructions).toEqual([
      { kind: 'LABEL', original: 'LABEL a=1', location: stages[1]!.from.location, pairs: [{ key: 'a', value: '1' }], noExpand: true },
      { kind: 'LABEL', original: 'LABEL b=$x', location: stages[1]!.from.location, pairs: [{ key: 'b', value: '$x' }], noExpand: true },
    ]);
    expect(df.stages[1]!.instructions).toEqual([]);
  });
});

describe('stage references', () => {
  it('FROM names an earlier stage in any case, else an image', () => {
    expect(resolveFrom(df.stages, 1, 'ONE')).toEqual({ stage: df.stages[0] });
    expect(resolveFrom(df.stages, 0, 'one')).toEqual({ image: 'one' });
    expect(resolveFrom(df.stages, 2, '0')).toEqual({ image: '0' });
  });

  it("COPY --from takes an earlier stage by name or index, else an image, and refuses other indexes in Docker's words", () => {
    expect(resolveCopyFrom(df.stages, 2, 'TWO')).toEqual({ stage: df.stages[1] });
    expect(resolveCopyFrom(df.stages, 2, '0')).toEqual({ stage: df.stages[0] });
    expect(resolveCopyFrom(df.stages, 2, 'busybox:1')).toEqual({ image: 'busybox:1' });
    expect(resolveCopyFrom(df.stages, 1, 'two')).toEqual({ image: 'two' });
    expect(() => resolveCopyFrom(df.stages, 1, '1')).toThrow('invalid from flag value 1: refers to current build stage');
    expect(() => resolveCopyFrom(df.stages, 1, '5')).toThrow('invalid from flag value 5: index out of bounds');
    expect(() => resolveCopyFrom(df.stages, 1, '-1')).toThrow('invalid from flag value -1: index out of bounds');
  });

  it('finds a stage name used twice', () => {
    const dup = parseDockerfile('FROM scratch AS a\nFROM scratch AS A\n');
    expect(stageNameInUse(dup.stages, 0)).toBeUndefined();
    expect(stageNameInUse(dup.stages, 1)).toBe('a stage name already used');
  });
});
