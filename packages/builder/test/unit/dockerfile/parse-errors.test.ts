import { describe, expect, it } from 'vitest';
import { DockerfileParseError, parseDockerfile } from '../../../src/dockerfile/index.js';

// Each message below is what Docker 20.10.24's classic builder answered
// (`DOCKER_BUILDKIT=0 docker build`, after "Error response from daemon: ").
const cases: [string, string, number | undefined][] = [
  ['FROM scratch\nRUNN x\n', 'dockerfile parse error line 2: unknown instruction: RUNN', 2],
  ['FROM\n', 'dockerfile parse error line 1: FROM requires either one or three arguments', 1],
  ['FROM a b\n', 'dockerfile parse error line 1: FROM requires either one or three arguments', 1],
  ['FROM scratch AS 1a\n', 'dockerfile parse error line 1: invalid name for build stage: "1a", name can\'t start with a number or contain symbols', 1],
  ['FROM --x=1 scratch\n', 'dockerfile parse error line 1: Unknown flag: x', 1],
  ['', 'the Dockerfile (Dockerfile) cannot be empty', undefined],
  ['# comment\n\n  \n', 'failed to parse Dockerfile: file with no instructions', undefined],
  ['ENV a b\n', 'no build stage in current context', 1],
  ['ARG x\nRUN x\nFROM scratch\n', 'no build stage in current context', 2],
  ['# escape=x\nFROM scratch\n', "failed to parse Dockerfile: invalid escape token 'x' does not match ` or \\", 1],
  ['#   ESCAPE   =   `  trailing\nFROM scratch\n', "failed to parse Dockerfile: invalid escape token '`  trailing' does not match ` or \\", 1],
  ['# escape=`\n# escape=`\nFROM scratch\n', 'failed to parse Dockerfile: only one escape parser directive can be used', 2],
  ['# syntax=a\n# syntax=b\nFROM scratch\n', 'failed to parse Dockerfile: only one syntax parser directive can be used', 2],
  ['FROM scratch\nENV a\n', 'failed to parse Dockerfile: ENV must have two arguments', 2],
  ['FROM scratch\nLABEL a\n', 'failed to parse Dockerfile: LABEL must have two arguments', 2],
  ['FROM scratch\nENV a=b c\n', 'failed to parse Dockerfile: Syntax error - can\'t find = in "c". Must be of the form: name=value', 2],
  ['FROM scratch\nCMD ["a", 1]\n', 'failed to parse Dockerfile: when using JSON array syntax, arrays must be comprised of strings only', 2],
  ['FROM scratch\nCOPY ["a", ["b"]]\n', 'failed to parse Dockerfile: when using JSON array syntax, arrays must be comprised of strings only', 2],
  ['FROM scratch\nONBUILD ENV a\n', 'failed to parse Dockerfile: ENV must have two arguments', 2],
  ['FROM scratch\nENV =x\n', 'dockerfile parse error line 2: ENV names can not be blank', 2],
  ['FROM scratch\nARG =x\n', 'dockerfile parse error line 2: ARG names can not be blank', 2],
  ['FROM scratch\nENV --foo=1 a b\n', 'dockerfile parse error line 2: Unknown flag: foo', 2],
  ['FROM scratch\nCOPY --from=a --from=b x y\n', 'dockerfile parse error line 2: Duplicate flag specified: from', 2],
  ['FROM scratch\nCOPY --from x y\n', 'dockerfile parse error line 2: Missing a value on flag: from', 2],
  ['FROM scratch\nCOPY --chown a b\n', 'dockerfile parse error line 2: Missing a value on flag: chown', 2],
  ['FROM scratch\nADD --from=x a b\n', 'dockerfile parse error line 2: Unknown flag: from', 2],
  ['FROM scratch\nCOPY x\n', 'dockerfile parse error line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined', 2],
  ['FROM scratch\nADD\n', 'dockerfile parse error line 2: ADD requires at least two arguments, but only one was provided. Destination could not be determined', 2],
  ['FROM scratch\nONBUILD ONBUILD RUN x\n', 'dockerfile parse error line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', 2],
  ['FROM scratch\nONBUILD from x\n', "dockerfile parse error line 2: FROM isn't allowed as an ONBUILD trigger", 2],
  ['FROM scratch\nONBUILD maintainer x\n', "dockerfile parse error line 2: MAINTAINER isn't allowed as an ONBUILD trigger", 2],
  ['FROM scratch\nONBUILD --x RUN a\n', 'dockerfile parse error line 2: Unknown flag: x', 2],
  ['FROM scratch\nONBUILD\n', 'dockerfile parse error line 2: ONBUILD requires at least one argument', 2],
  ['FROM scratch\nVOLUME\n', 'dockerfile parse error line 2: VOLUME requires at least one argument', 2],
  ['FROM scratch\nVOLUME [""]\n', 'dockerfile parse error line 2: VOLUME specified can not be an empty string', 2],
  ['FROM scratch\nWORKDIR\n', 'dockerfile parse error line 2: WORKDIR requires exactly one argument', 2],
  ['FROM scratch\nUSER\n', 'dockerfile parse error line 2: USER requires exactly one argument', 2],
  ['FROM scratch\nSTOPSIGNAL\n', 'dockerfile parse error line 2: STOPSIGNAL requires exactly one argument', 2],
  ['FROM scratch\nMAINTAINER\n', 'dockerfile parse error line 2: MAINTAINER requires exactly one argument', 2],
  ['FROM scratch\nMAINTAINER --x y\n', 'dockerfile parse error line 2: Unknown flag: x', 2],
  ['FROM scratch\nEXPOSE\n', 'dockerfile parse error line 2: EXPOSE requires at least one argument', 2],
  ['FROM scratch\nLABEL\n', 'dockerfile parse error line 2: LABEL requires at least one argument', 2],
  ['FROM scratch\nENV\n', 'dockerfile parse error line 2: ENV requires at least one argument', 2],
  ['FROM scratch\nARG\n', 'dockerfile parse error line 2: ARG requires at least one argument', 2],
  ['FROM scratch\nRUN --mount=type=cache,target=/x echo\n', 'dockerfile parse error line 2: Unknown flag: mount', 2],
  ['FROM scratch\nCMD --x a\n', 'dockerfile parse error line 2: Unknown flag: x', 2],
  ['FROM scratch\nSHELL a b\n', 'dockerfile parse error line 2: SHELL requires the arguments to be in JSON form', 2],
  ['FROM scratch\nSHELL []\n', 'dockerfile parse error line 2: SHELL requires at least one argument', 2],
  ['FROM scratch\nSHELL --x ["a"]\n', 'dockerfile parse error line 2: Unknown flag: x', 2],
  ['FROM scratch\nHEALTHCHECK\n', 'dockerfile parse error line 2: HEALTHCHECK requires at least one argument', 2],
  ['FROM scratch\nHEALTHCHECK NONE x\n', 'dockerfile parse error line 2: HEALTHCHECK NONE takes no arguments', 2],
  ['FROM scratch\nHEALTHCHECK FOO x\n', 'dockerfile parse error line 2: Unknown type "FOO" in HEALTHCHECK (try CMD)', 2],
  ['FROM scratch\nHEALTHCHECK CMD\n', 'dockerfile parse error line 2: Missing command after HEALTHCHECK CMD', 2],
  ['FROM scratch\nHEALTHCHECK CMD []\n', 'dockerfile parse error line 2: Missing command after HEALTHCHECK CMD', 2],
  ['FROM scratch\nHEALTHCHECK --interval=0s CMD x\n', 'dockerfile parse error line 2: Interval "interval" cannot be less than 1ms', 2],
  ['FROM scratch\nHEALTHCHECK --timeout=5 CMD x\n', 'dockerfile parse error line 2: time: missing unit in duration "5"', 2],
  ['FROM scratch\nHEALTHCHECK --interval=5x CMD x\n', 'dockerfile parse error line 2: time: unknown unit "x" in duration "5x"', 2],
  ['FROM scratch\nHEALTHCHECK --start-period=abc CMD x\n', 'dockerfile parse error line 2: time: invalid duration "abc"', 2],
  ['FROM scratch\nHEALTHCHECK --retries=0 CMD x\n', 'dockerfile parse error line 2: --retries must be at least 1 (not 0)', 2],
  ['FROM scratch\nHEALTHCHECK --retries=x CMD x\n', 'dockerfile parse error line 2: strconv.ParseInt: parsing "x": invalid syntax', 2],
  ['FROM scratch\nHEALTHCHECK --foo=1 CMD x\n', 'dockerfile parse error line 2: Unknown flag: foo', 2],
];

describe('parseDockerfile errors, in Docker 20.10 words', () => {
  it.each(cases)('%j', (text, message, line) => {
    let caught: unknown;
    try {
      parseDockerfile(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DockerfileParseError);
    expect((caught as DockerfileParseError).message).toBe(message);
    expect((caught as DockerfileParseError).line).toBe(line);
  });

  it('reports a file-level error before an earlier instruction error, as Docker reads the whole file first', () => {
    expect(() => parseDockerfile('FROM scratch\nRUNN x\nENV a\n')).toThrow('failed to parse Dockerfile: ENV must have two arguments');
  });

  it('names the file as given with -f', () => {
    expect(() => parseDockerfile('', { fileName: 'build/Dockerfile.dev' })).toThrow('the Dockerfile (build/Dockerfile.dev) cannot be empty');
    expect(() => parseDockerfile('\n', { fileName: 'x.Dockerfile' })).toThrow('failed to parse x.Dockerfile: file with no instructions');
  });

  it('gives the reason without Docker\'s prefix and the line of a continued instruction\'s start', () => {
    try {
      parseDockerfile('FROM scratch\n\nRUNN a \\\n  b\n');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ reason: 'unknown instruction: RUNN', line: 3 });
    }
  });
});
