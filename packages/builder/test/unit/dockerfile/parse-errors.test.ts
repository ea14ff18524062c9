import { describe, expect, it } from 'vitest';
import { DockerfileParseError, parseDockerfile } from '../../../src/dockerfile/index.js';
import { parseErrorCases as cases } from './parse-error-cases.js';

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
