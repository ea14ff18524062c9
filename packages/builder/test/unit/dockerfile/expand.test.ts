import { describe, expect, it } from 'vitest';
import {
  ExpansionError,
  envLookup,
  expandInstruction,
  parseDockerfile,
  processWord,
  processWords,
  type Instruction,
} from '../../../src/dockerfile/index.js';

const env = envLookup(['e=', 's=set', 'U=u1', 'P=90 91', 'x=X']);
const word = (w: string, escape: '\\' | '`' = '\\') => processWord(w, env, escape);

// Expected values are what Docker 20.10.24 put in the image config for the
// same words (ENV/LABEL values read back with docker inspect).
describe('processWord', () => {
  it('expands $VAR and ${VAR}, unset as empty', () => {
    expect(word('$U/${U}/$nope/${nope}')).toBe('u1/u1//');
  });

  it('reads positional and special parameters as Docker does (unset)', () => {
    expect(word('$1x')).toBe('x');
    expect(word('$$')).toBe('');
    expect(word('${1}')).toBe('');
    expect(word('$@x')).toBe('x');
    expect(word('$#')).toBe('');
    expect(word('a$')).toBe('a$');
    expect(word('$/')).toBe('$/');
  });

  it('supports :+ :- and :? with a word that is expanded in turn', () => {
    const got = ['${e:+alt}', '${s:+alt}', '${u:+alt}', '${e:-def}', '${u:-def}', '${s:-def}', '${u:-$s}', '${u:-"q r"}'].map((w) => word(w));
    expect(got).toEqual(['', 'alt', '', 'def', 'def', 'set', 'set', 'q r']);
    expect(word('${s:?no}')).toBe('set');
  });

  it('refuses what Docker 20.10 refuses, with its words', () => {
    const cases: [string, string][] = [
      ['${X-y}', 'failed to process "${X-y}": missing \':\' in substitution'],
      ['${x', 'failed to process "${x": missing \':\' in substitution'],
      ['${X:?oops}', 'failed to process "${X:?oops}": X: oops'],
      ['${X:?}', 'failed to process "${X:?}": X: is not allowed to be unset'],
      ['${e:?}', 'failed to process "${e:?}": e: is not allowed to be empty'],
      ['${s:=x}', 'failed to process "${s:=x}": unsupported modifier (=) in substitution'],
      ['${}', 'failed to process "${}": syntax error: bad substitution'],
      ['${:x}', 'failed to process "${:x}": syntax error: bad substitution'],
      ['${', "failed to process \"${\": syntax error: missing '}'"],
      ['${a:-b', "failed to process \"${a:-b\": syntax error: missing '}'"],
      ['"b', 'failed to process "\\"b": unexpected end of statement while looking for matching double-quote'],
      ["'b", 'failed to process "\'b": unexpected end of statement while looking for matching single-quote'],
    ];
    for (const [w, message] of cases) {
      expect(() => word(w)).toThrow(ExpansionError);
      expect(() => word(w)).toThrow(message);
    }
  });

  it('removes quotes and escapes as Docker does', () => {
    expect(word('b\\ c')).toBe('b c');
    expect(word('e\\\\f')).toBe('e\\f');
    expect(word('\\$x')).toBe('$x');
    expect(word('"a\\zb\\"c"')).toBe('a\\zb"c');
    expect(word("'q\\z $x'")).toBe('q\\z $x');
    expect(word('"$x \'y\'"')).toBe("X 'y'");
    expect(word('trailing\\')).toBe('trailing');
  });

  it('uses the backtick when it is the escape character', () => {
    expect(word('b`$x', '`')).toBe('b$x');
    expect(word('"d`"e"', '`')).toBe('d"e');
    expect(word('g\\h', '`')).toBe('g\\h');
  });
});

describe('processWords', () => {
  it('splits on unquoted spaces, also inside expanded values', () => {
    expect(processWords('80 $P "a b"c', env)).toEqual(['80', '90', '91', 'a bc']);
    expect(processWords('  ', env)).toEqual([]);
  });
});

describe('expandInstruction', () => {
  const lookup = envLookup(['U=u1', 'W=/w', 'V=/v', 'S=SIGKILL', 'F=Dockerfile', 'P=90 91', 'N=nm', 'ST=one']);
  const instructions = parseDockerfile(
    [
      'FROM scratch',
      'ENV a="b c" $N=x',
      'LABEL "k $U"=$W',
      'ARG $N=$U b',
      'USER $U',
      'WORKDIR $W/x',
      'VOLUME $V ["$V"]',
      'VOLUME ["$V", "/z"]',
      'STOPSIGNAL $S',
      'EXPOSE 80 $P',
      'ADD --chown=$U --chmod=$N $F /a/$U',
      'COPY --from=$ST --chown=$U ["$F", "/$U"]',
      'MAINTAINER $U',
      'ONBUILD RUN $U',
      'RUN echo $U',
      'CMD echo $U',
      'ENTRYPOINT ["$U"]',
      'SHELL ["/bin/$U"]',
      'HEALTHCHECK CMD echo $U',
    ].join('\n'),
  ).stages[0]!.instructions;
  const expanded = instructions.map((i) => expandInstruction(i, lookup));
  const byKind = (kind: Instruction['kind'], n = 0) => expanded.filter((i) => i.kind === kind)[n];

  it('expands the instructions and fields Docker expands (values checked against Docker 20.10)', () => {
    expect(byKind('ENV')).toMatchObject({ pairs: [{ key: 'a', value: 'b c' }, { key: 'nm', value: 'x' }] });
    expect(byKind('LABEL')).toMatchObject({ pairs: [{ key: 'k u1', value: '/w' }] });
    expect(byKind('ARG')).toMatchObject({ args: [{ name: 'nm', defaultValue: 'u1' }, { name: 'b' }] });
    expect(byKind('USER')).toMatchObject({ user: 'u1' });
    expect(byKind('WORKDIR')).toMatchObject({ path: '/w/x' });
    expect(byKind('VOLUME', 0)).toMatchObject({ paths: ['/v', '[/v]'] });
    expect(byKind('VOLUME', 1)).toMatchObject({ paths: ['/v', '/z'] });
    expect(byKind('STOPSIGNAL')).toMatchObject({ signal: 'SIGKILL' });
    // Docker sorts the ports as written, then expands: $P sorts before 80.
    expect(byKind('EXPOSE')).toMatchObject({ ports: ['90', '91', '80'] });
    expect(byKind('ADD')).toMatchObject({ sources: ['Dockerfile'], dest: '/a/u1', chown: 'u1', chmod: 'nm' });
    expect(byKind('COPY')).toMatchObject({ sources: ['Dockerfile'], dest: '/u1', chown: 'u1', from: '$ST' });
  });

  it('leaves MAINTAINER, ONBUILD, RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK as written', () => {
    for (const kind of ['MAINTAINER', 'ONBUILD', 'RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'HEALTHCHECK'] as const) {
      const i = instructions.findIndex((x) => x.kind === kind);
      expect(expanded[i]).toBe(instructions[i]);
    }
  });

  it('expands FROM image and platform with the lookup given (the meta ARGs)', () => {
    const from = parseDockerfile('ARG B\nFROM --platform=$P ${B:-scratch}').stages[0]!.from;
    expect(expandInstruction(from, envLookup(['P=linux/amd64']))).toMatchObject({ image: 'scratch', platform: 'linux/amd64' });
    expect(from.image).toBe('${B:-scratch}');
  });

  it('does not expand the LABELs of docker build --label', () => {
    const label: Instruction = { kind: 'LABEL', original: 'LABEL a=$U', location: { start: 1, end: 1 }, pairs: [{ key: 'a', value: '$U' }], noExpand: true };
    expect(expandInstruction(label, lookup)).toBe(label);
  });
});
