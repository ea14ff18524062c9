import { describe, expect, it } from 'vitest';
import { DockerfileParseError, parseDockerfile, parseOnbuildTrigger } from '../../../src/dockerfile/index.js';

describe('parseOnbuildTrigger', () => {
  it('parses what ONBUILD stored, continuations joined (as Docker 20.10 stored and ran them)', () => {
    const triggers = parseDockerfile('FROM scratch\nONBUILD ENV a=1 \\\n  b=2\nONBUILD LABEL x=$a\nONBUILD WORKDIR /x\n').stages[0]!.instructions.map((i) =>
      i.kind === 'ONBUILD' ? i.trigger : '',
    );
    expect(triggers).toEqual(['ENV a=1   b=2', 'LABEL x=$a', 'WORKDIR /x']);
    expect(triggers.map(parseOnbuildTrigger)).toMatchObject([
      { kind: 'ENV', original: 'ENV a=1   b=2', pairs: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] },
      { kind: 'LABEL', pairs: [{ key: 'x', value: '$a' }] },
      { kind: 'WORKDIR', path: '/x' },
    ]);
  });

  it("refuses a bad trigger with Docker's bare words", () => {
    // Docker 20.10, building FROM an image with `ONBUILD RUNN x`: "unknown instruction: RUNN".
    expect(() => parseOnbuildTrigger('RUNN x')).toThrow(new DockerfileParseError('unknown instruction: RUNN', 'unknown instruction: RUNN'));
    expect(() => parseOnbuildTrigger('RUN a\nRUN b')).toThrow('onbuild trigger should be a single expression');
    expect(() => parseOnbuildTrigger('')).toThrow(/^file with no instructions$/);
    expect(() => parseOnbuildTrigger('ENV a')).toThrow(/^ENV must have two arguments$/);
    expect(() => parseOnbuildTrigger('FROM x')).toThrow('*instructions.Stage is not a command type');
  });
});
