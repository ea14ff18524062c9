import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskGrpcClient } from '../../src/grpc.js';

const shimBin = join(import.meta.dirname, '../../bin/ce-shim.mjs');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const undo of cleanups.splice(0).reverse()) await undo();
});

describe.skipIf(process.getuid?.() !== 0 || !existsSync(join(import.meta.dirname, '../../dist/ce-shim.mjs')))(
  "the shim's own log on a full disk (needs root and a built shim)",
  () => {
    it('keeps serving and shuts down cleanly when its --log file cannot be written', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ce-log-full-shim-'));
      const disk = join(dir, 'disk');
      mkdirSync(disk);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', disk]);
      cleanups.push(() => {
        execFileSync('umount', [disk]);
        rmSync(dir, { recursive: true, force: true });
      });
      const fd = openSync(join(disk, 'ballast'), 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(4096));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }

      const socket = join(dir, 'shim.sock');
      const shim = spawn(process.execPath, [shimBin, '--socket', socket, '--runtime-root', join(dir, 'runtime'), '--log', join(disk, 'shim.log'), '--log-level', 'debug', '--ready-fd', '3'], {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      shim.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => shim.on('exit', (code) => resolve(code)));
      cleanups.push(() => {
        if (shim.exitCode === null && shim.signalCode === null) shim.kill('SIGKILL');
        return exited;
      });
      const ready = await Promise.race([
        new Promise<boolean>((resolve) => (shim.stdio[3] as NodeJS.ReadableStream).once('data', () => resolve(true))),
        exited.then(() => false),
      ]);
      expect(ready, `the shim exited before it was ready: ${stderr}`).toBe(true);

      // Each call logs; a failed log write must not end the shim.
      const client = new TaskGrpcClient(socket);
      cleanups.push(() => client.close());
      for (let i = 0; i < 20; i++) await expect(client.state({ id: 'none' })).rejects.toThrow(/not found/);
      await client.shutdown('none');
      expect(await exited, stderr).toBe(0);
    });
  },
);
