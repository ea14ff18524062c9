import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { serveUnix } from '@ce/protocol';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';
import { taskGrpcService } from '../../src/grpc.js';
import { ShimTask } from '../../src/task.js';
import { stubRuntime } from './stub-runtime.js';

/** A runtime whose container is a promise: enough for the shim's own logic. */
const fakeRuntime = stubRuntime(async () => ({ pid: 4242, stdin: null, stdout: new PassThrough(), stderr: new PassThrough(), exited: new Promise(() => undefined) }));

it('runs the README usage example as written, against a shim serving a task', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-readme-'));
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const task = new ShimTask(fakeRuntime, silent, () => undefined);
  const server = await serveUnix(join(dir, 'web.sock'), [taskGrpcService(task)]);
  try {
    mkdirSync(join(dir, 'bundle'));
    await task.create({ id: 'web', bundle: join(dir, 'bundle'), rootfs: [], terminal: false, stdin: false, logPath: '', namespace: '', labels: {} });
    const { logged, expected } = await runReadmeExample(join(import.meta.dirname, '../../README.md'), {
      "'@ce/shim'": JSON.stringify(join(import.meta.dirname, '../../src/index.js')),
      '/run/ce/shims/web.sock': join(dir, 'web.sock'),
    });
    expect(expected).toEqual(['web true']);
    expect(logged).toEqual(expected);
  } finally {
    await server.close(100);
    rmSync(dir, { recursive: true, force: true });
  }
});
