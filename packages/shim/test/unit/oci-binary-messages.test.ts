import { describe, expect, it } from 'vitest';
import { binaryErrorText, execFailureFacts, withRequiredFigures } from '../../src/runtimes/oci-binary.js';

describe("reading runc's failures", () => {
  it('takes the msg of the last error record of a JSON log, else the last line', () => {
    const log = [
      '{"level":"warning","msg":"something minor","time":"2026-12-06T21:00:00Z"}',
      '{"level":"error","msg":"runc create failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH","time":"2026-12-06T21:00:00Z"}',
      '',
    ].join('\n');
    expect(binaryErrorText(log)).toBe('runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH');
    expect(binaryErrorText('container "x" does not exist\n')).toBe('container "x" does not exist');
    expect(binaryErrorText('')).toBe('');
  });

  it("gives the facts Docker's 127 and 126 come from, and none for other failures", () => {
    const start = 'runc create failed: unable to start container process: ';
    expect(execFailureFacts(`${start}exec: "nope": executable file not found in $PATH`)).toEqual({ op: 'exec', errno: 'ENOENT', path: 'nope' });
    expect(execFailureFacts(`${start}exec: "/x": stat /x: no such file or directory`)).toMatchObject({ errno: 'ENOENT' });
    expect(execFailureFacts(`${start}exec: "/etc/passwd": permission denied`)).toMatchObject({ errno: 'EACCES' });
    expect(execFailureFacts(`${start}exec: "/etc": is a directory`)).toMatchObject({ errno: 'EISDIR' });
    expect(execFailureFacts(`${start}error during container init: error mounting "proc"`)).toEqual({});
  });

  it('fills the figures runc leaves out when zero', () => {
    const stats = withRequiredFigures({ pids: { current: 2 } });
    expect(stats.cpu.usage).toEqual({ kernel: 0, user: 0 });
    expect(stats.memory.swap).toEqual({ limit: 0, failcnt: 0 });
    expect(stats.pids.current).toBe(2);
    expect(stats.hugetlb).toEqual({});
  });
});
