import { describe, expect, it } from 'vitest';
import { attachConfig, attachStreams } from '../../src/attach-flag.js';

describe('-a/--attach', () => {
  it("attaches what docker run attaches: stdout and stderr by default, stdin with -i, nothing with -d", () => {
    expect(attachStreams([], { interactive: false, detach: false })).toEqual({ stdin: false, stdout: true, stderr: true });
    expect(attachStreams([], { interactive: true, detach: false })).toEqual({ stdin: true, stdout: true, stderr: true });
    expect(attachStreams([], { interactive: true, detach: true })).toEqual({ stdin: false, stdout: false, stderr: false });
    expect(attachStreams(['STDOUT'], { interactive: false, detach: false })).toEqual({ stdin: false, stdout: true, stderr: false });
    expect(attachStreams(['stderr', 'stdin'], { interactive: false, detach: false })).toEqual({ stdin: true, stdout: false, stderr: true });
  });
  it("refuses another stream name and -a with -d in Docker's words", () => {
    expect(() => attachStreams(['out'], { interactive: false, detach: false })).toThrow('invalid argument "out" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR');
    expect(() => attachStreams(['stdout'], { interactive: false, detach: true })).toThrow('Conflicting options: -a and -d');
  });
  it('records the attached streams in Config, StdinOnce with stdin', () => {
    expect(attachConfig({ stdin: true, stdout: true, stderr: false })).toEqual({ AttachStdin: true, AttachStdout: true, AttachStderr: false, StdinOnce: true });
  });
});
