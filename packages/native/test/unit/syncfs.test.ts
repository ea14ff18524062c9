import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncfsAsync, SyscallError } from '../../src/index.js';

describe('syncfsAsync', () => {
  it('flushes the filesystem of a path off the event loop, and names the path when it cannot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ce-syncfs-'));
    try {
      writeFileSync(join(dir, 'f'), 'data');
      await expect(syncfsAsync(dir)).resolves.toBeUndefined();
      const missing = join(dir, 'missing');
      const err = await syncfsAsync(missing).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyscallError);
      expect(err).toMatchObject({ code: 'ENOENT', syscall: 'open' });
      expect((err as Error).message).toContain(missing);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
