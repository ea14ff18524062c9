import { closeSync, constants, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getWindowSize, setWindowSize, SyscallError } from '../../src/index.js';

describe('terminal size', () => {
  it('sets and reads the size of a pty through its master', () => {
    const master = openSync('/dev/ptmx', constants.O_RDWR | constants.O_NOCTTY);
    try {
      setWindowSize(master, { rows: 33, cols: 101 });
      expect(getWindowSize(master)).toEqual({ rows: 33, cols: 101 });
    } finally {
      closeSync(master);
    }
  });

  it('fails with ENOTTY on a file that is no terminal', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(() => setWindowSize(fd, { rows: 1, cols: 1 })).toThrow(SyscallError);
      expect(() => getWindowSize(fd)).toThrow(expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl' }));
      expect(() => setWindowSize(fd, { rows: -1, cols: 1 })).toThrow('rows and cols must be between 0 and 65535');
    } finally {
      closeSync(fd);
    }
  });
});
