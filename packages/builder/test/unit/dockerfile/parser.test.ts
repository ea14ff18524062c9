import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../../src/dockerfile/index.js';
import type { Instruction } from '../../../src/dockerfile/index.js';

function only(text: string): Instruction {
  const df = parseDockerfile(`FROM scratch\n${text}\n`);
  expect(df.stages).toHaveLength(1);
  expect(df.stages[0]!.instructions).toHaveLength(1);
  return df.stages[0]!.instructions[0]!;
}

describe('parseDockerfile: structure', () => {
  it('splits stages, keeps meta ARGs apart and numbers the stages', () => {
    const df = parseDockerfile(
      'ARG BASE=scratch\nARG V\nFROM $BASE AS Build\nRUN make\nFROM --platform=linux/amd64 build\nCOPY --from=build /out /out\n',
    );
    expect(df.metaArgs.map((a) => a.args)).toEqual([[{ name: 'BASE', defaultValue: 'scratch' }], [{ name: 'V' }]]);
    expect(df.stages.map((s) => [s.index, s.from.image, s.from.stageName, s.from.platform])).toEqual([
      [0, '$BASE', 'build', undefined],
      [1, 'build', undefined, 'linux/amd64'],
    ]);
    expect(df.stages[0]!.from.original).toBe('FROM $BASE AS Build');
    expect(df.stages[1]!.instructions[0]).toMatchObject({ kind: 'COPY', from: 'build', sources: ['/out'], dest: '/out' });
    expect(df.directives).toEqual({ escape: '\\' });
    expect(df.warnings).toEqual([]);
  });

  it('reads keywords in any case and keeps the original as written, for Step N/M', () => {
    const df = parseDockerfile('from scratch\nLaBeL x=y\n  env A=1  \n');
    expect(df.stages[0]!.from.original).toBe('from scratch');
    expect(df.stages[0]!.instructions.map((i) => [i.kind, i.original])).toEqual([
      ['LABEL', 'LaBeL x=y'],
      ['ENV', 'env A=1'],
    ]);
  });

  it('joins continuation lines as Docker prints them, dropping comment lines and warning on empty ones', () => {
    const df = parseDockerfile('FROM scratch\nENV a=1 \\\n# comment\n    b=2 \\\n\n  c=3\nRUN x\n');
    const env = df.stages[0]!.instructions[0]!;
    expect(env.original).toBe('ENV a=1     b=2   c=3');
    expect(env.location).toEqual({ start: 2, end: 6 });
    expect(df.stages[0]!.instructions[1]!.location).toEqual({ start: 7, end: 7 });
    expect(df.warnings).toEqual([
      '[WARNING]: Empty continuation line found in:\n    ENV a=1     b=2   c=3',
      '[WARNING]: Empty continuation lines will become errors in a future release.',
    ]);
  });

  it('reads CRLF files and a byte-order mark', () => {
    const df = parseDockerfile('\ufeffFROM scratch\r\nENV a=1 \\\r\n b=2\r\n');
    expect(df.stages[0]!.instructions[0]).toMatchObject({ original: 'ENV a=1  b=2', pairs: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
  });

  it('does not continue a line whose escape character is escaped, but does a line of a lone one', () => {
    // Docker 20.10: `LABEL a=x\\` and `LABEL a=x\\\` end there; a line that is only `\` continues.
    for (const end of ['\\\\', '\\\\\\', '\\\\\\\\']) {
      expect(parseDockerfile(`FROM scratch\nLABEL a=x${end}\nLABEL b=y\n`).stages[0]!.instructions.map((i) => i.original)).toEqual([`LABEL a=x${end}`, 'LABEL b=y']);
    }
    expect(parseDockerfile('FROM scratch\nRUN a \\\n\\\nRUN b\n').stages[0]!.instructions[0]!.original).toBe('RUN a RUN b');
    expect(parseDockerfile('# escape=`\nFROM scratch\nLABEL a=x``\nLABEL b=y`  \n c=d\n').stages[0]!.instructions.map((i) => i.original)).toEqual([
      'LABEL a=x``',
      'LABEL b=y c=d',
    ]);
  });

  it('keeps a continuation at the end of the file', () => {
    expect(parseDockerfile('FROM scratch\nRUN a \\').stages[0]!.instructions[0]).toMatchObject({ command: { form: 'shell', text: 'a' } });
  });
});

describe('parseDockerfile: parser directives', () => {
  it('takes # escape=` at the top, and the backtick continues lines', () => {
    const df = parseDockerfile('# escape=`\nFROM scratch\nENV a=b `\n c=d\n');
    expect(df.directives.escape).toBe('`');
    expect(df.stages[0]!.instructions[0]!.original).toBe('ENV a=b  c=d');
  });

  it('takes # syntax= and then # escape=, in any case and spacing', () => {
    const df = parseDockerfile('#  SYNTAX = docker/dockerfile:1 \n#escape=`\nFROM scratch\nRUN a `\n b\n');
    expect(df.directives).toEqual({ syntax: 'docker/dockerfile:1', escape: '`' });
    expect(df.stages[0]!.instructions[0]!.original).toBe('RUN a  b');
  });

  it('treats directives after a blank line, a comment, an unknown directive or an instruction as comments', () => {
    for (const head of ['\n', '# hello\n', '# platform=linux\n', 'FROM scratch\n']) {
      const df = parseDockerfile(`${head}# escape=\`\n${head.startsWith('FROM') ? '' : 'FROM scratch\n'}ENV a=b \\\n c=d\n`);
      expect(df.directives.escape).toBe('\\');
      expect(df.stages[0]!.instructions[0]!.original).toBe('ENV a=b  c=d');
    }
  });
});

describe('parseDockerfile: instructions', () => {
  it('RUN, CMD and ENTRYPOINT in exec form, shell form, and invalid JSON as shell form', () => {
    expect(only('RUN ["echo", "hi"]')).toMatchObject({ kind: 'RUN', command: { form: 'exec', args: ['echo', 'hi'] } });
    expect(only('RUN echo  "hi"')).toMatchObject({ command: { form: 'shell', text: 'echo  "hi"' } });
    expect(only('CMD ["a","b"] trailing')).toMatchObject({ kind: 'CMD', command: { form: 'exec', args: ['a', 'b'] } });
    expect(only('ENTRYPOINT ["x" "y"]')).toMatchObject({ kind: 'ENTRYPOINT', command: { form: 'shell', text: '["x" "y"]' } });
    expect(only('CMD ["a", "b"')).toMatchObject({ command: { form: 'shell', text: '["a", "b"' } });
    expect(only('CMD []')).toMatchObject({ command: { form: 'exec', args: [] } });
    expect(only('CMD')).toMatchObject({ command: { form: 'shell', text: '' } });
    expect(only('RUN -- echo')).toMatchObject({ command: { form: 'shell', text: 'echo' } });
    expect(only('RUN echo')).not.toHaveProperty('mounts');
  });

  it('RUN --mount, which Docker parses (and its classic builder then refuses)', () => {
    expect(only('RUN --mount=type=cache,target=/x --mount=type=bind,ro echo')).toMatchObject({
      kind: 'RUN',
      mounts: ['type=cache,target=/x', 'type=bind,ro'],
      command: { form: 'shell', text: 'echo' },
    });
  });

  it('ENV and LABEL in both forms, quotes kept for the lexer', () => {
    expect(only('ENV a   "b c"  d')).toMatchObject({ kind: 'ENV', pairs: [{ key: 'a', value: '"b c"  d' }] });
    expect(only('ENV x=1 y="2 3" z=a\\ b')).toMatchObject({
      pairs: [
        { key: 'x', value: '1' },
        { key: 'y', value: '"2 3"' },
        { key: 'z', value: 'a\\ b' },
      ],
    });
    expect(only('LABEL "x y"="1 2" z=\\"q e=')).toMatchObject({
      kind: 'LABEL',
      pairs: [
        { key: '"x y"', value: '"1 2"' },
        { key: 'z', value: '\\"q' },
        { key: 'e', value: '' },
      ],
    });
    expect(only('LABEL k   v  w')).toMatchObject({ pairs: [{ key: 'k', value: 'v  w' }] });
  });

  it('ARG with several names and defaults', () => {
    expect(only('ARG a b=2 c=$b d= "e=f g"')).toMatchObject({
      kind: 'ARG',
      args: [{ name: 'a' }, { name: 'b', defaultValue: '2' }, { name: 'c', defaultValue: '$b' }, { name: 'd', defaultValue: '' }, { name: '"e', defaultValue: 'f g"' }],
    });
    // Docker reads no flags on ARG.
    expect(only('ARG --x=1 a')).toMatchObject({ args: [{ name: 'a' }] });
  });

  it('COPY and ADD with flags, several sources, JSON form', () => {
    expect(only('COPY --from=build --chown=1:2 --chmod=644 a b* /dest/')).toMatchObject({
      kind: 'COPY',
      sources: ['a', 'b*'],
      dest: '/dest/',
      from: 'build',
      chown: '1:2',
      chmod: '644',
    });
    expect(only('ADD ["a b", "/c d"]')).toMatchObject({ kind: 'ADD', sources: ['a b'], dest: '/c d' });
    expect(only('COPY --chown=1 -- --a b')).toMatchObject({ sources: ['--a'], dest: 'b', chown: '1' });
    const copy = only('COPY a b');
    expect(copy).not.toHaveProperty('from');
    expect(copy).not.toHaveProperty('chown');
  });

  it('HEALTHCHECK with durations in nanoseconds, NONE and the shell form', () => {
    expect(only('HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2h --retries=3 CMD ["a","b"]')).toMatchObject({
      kind: 'HEALTHCHECK',
      test: ['CMD', 'a', 'b'],
      intervalNs: 90e9,
      timeoutNs: 500e6,
      startPeriodNs: 7200e9,
      retries: 3,
    });
    const shell = only('HEALTHCHECK cmd echo  hi  there');
    expect(shell).toMatchObject({ test: ['CMD-SHELL', 'echo  hi  there'] });
    expect(shell).not.toHaveProperty('retries');
    expect(only('HEALTHCHECK none')).toMatchObject({ test: ['NONE'] });
    expect(only('HEALTHCHECK --interval=5s NONE')).toMatchObject({ test: ['NONE'] });
  });

  it('ONBUILD keeps its trigger as written', () => {
    expect(only('ONBUILD RUN echo $U')).toMatchObject({ kind: 'ONBUILD', trigger: 'RUN echo $U' });
    expect(only('onbuild   COPY --from=x a b')).toMatchObject({ trigger: 'COPY --from=x a b' });
    // Docker checks the trigger's keyword only when the child image is built.
    expect(only('ONBUILD RUNN x')).toMatchObject({ trigger: 'RUNN x' });
  });

  it('EXPOSE sorted, VOLUME as JSON or words, SHELL, STOPSIGNAL, USER, WORKDIR, MAINTAINER', () => {
    expect(only('EXPOSE 80 $P 70/udp')).toMatchObject({ kind: 'EXPOSE', ports: ['$P', '70/udp', '80'] });
    expect(only('VOLUME $V ["$V"]')).toMatchObject({ kind: 'VOLUME', paths: ['$V', '["$V"]'] });
    expect(only('VOLUME ["/a", " /b "]')).toMatchObject({ paths: ['/a', '/b'] });
    expect(only('SHELL ["/bin/bash", "-c"]')).toMatchObject({ kind: 'SHELL', shell: ['/bin/bash', '-c'] });
    expect(only('STOPSIGNAL --x 9')).toMatchObject({ kind: 'STOPSIGNAL', signal: '9' });
    expect(only('USER a b')).toMatchObject({ kind: 'USER', user: 'a b' });
    expect(only('WORKDIR /a b')).toMatchObject({ kind: 'WORKDIR', path: '/a b' });
    expect(only('MAINTAINER Jo <jo@example.com>')).toMatchObject({ kind: 'MAINTAINER', maintainer: 'Jo <jo@example.com>' });
  });
});
