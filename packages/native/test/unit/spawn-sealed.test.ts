// spawnFds with sealedCopy: the child runs from a sealed memfd copy that nobody can write.
import { copyFileSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnFds, waitPid } from '../../src/index.js';

const BUSYBOX = '/bin/busybox';

describe('spawnFds({ sealedCopy: true })', () => {
  let dir: string;
  let exe: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-native-sealed-'));
    exe = join(dir, 'busybox');
    copyFileSync(BUSYBOX, exe);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the file from a sealed memfd copy whose exe link cannot be written', async () => {
    const pid = spawnFds(exe, ['sleep', '5'], [0, 1, 2], { sealedCopy: true });
    try {
      expect(readlinkSync(`/proc/${pid}/exe`)).toMatch(/^\/memfd:ce-init/);
      let err: NodeJS.ErrnoException | undefined;
      try {
        openSync(`/proc/${pid}/exe`, 'r+');
      } catch (e) {
        err = e as NodeJS.ErrnoException;
      }
      // ETXTBSY while it runs; the memfd's seals refuse writes even after
      expect(['ETXTBSY', 'EPERM']).toContain(err?.code);
      expect(readFileSync(exe).equals(readFileSync(BUSYBOX))).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
      await waitPid(pid);
    }
  });

  it('makes a new copy when the file changes', async () => {
    copyFileSync('/bin/true', exe);
    const first = spawnFds(exe, ['prog'], [0, 1, 2], { sealedCopy: true });
    expect((await waitPid(first)).exitCode).toBe(0);
    rmSync(exe);
    copyFileSync('/bin/false', exe);
    const second = spawnFds(exe, ['prog'], [0, 1, 2], { sealedCopy: true });
    expect((await waitPid(second)).exitCode).toBe(1);
  });

  it('names the file and the step when the copy cannot be made', () => {
    expect(() => spawnFds(join(dir, 'missing'), ['x'], [0, 1, 2], { sealedCopy: true })).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'open', args: [join(dir, 'missing')] }),
    );
  });
});
