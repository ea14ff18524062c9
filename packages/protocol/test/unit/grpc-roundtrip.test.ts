import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adaptService, clientAttach, CeError, dialUnix, notFound, OutputQueue, readStream, serveAttach, serveUnix, unary, type UnixServer } from '../../src/index.js';
import { InfoResponse, SystemClient, SystemPruneResponse, SystemService, type VersionResponse } from '../../src/gen/ce/api/v1/system.js';
import { TaskClient, TaskService } from '../../src/gen/ce/shim/v1/shim.js';
import type { TaskEvent } from '../../src/gen/ce/events/v1/task.js';
import { taskImpl } from './support/fake-task.js';

const dirs: string[] = [];
const servers: UnixServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close(100);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ce-protocol-test-'));
  dirs.push(dir);
  return join(dir, 'test.sock');
}

describe('gRPC over a unix socket', () => {
  it('serves a unary call with the requested socket mode and maps thrown errors to CeError codes', async () => {
    const path = socketPath();
    let fail = false;
    servers.push(
      await serveUnix(
        path,
        [
          [
            SystemService,
            adaptService(SystemService, {
              version: async () => {
                if (fail) throw notFound('No such thing: x');
                return { version: '1.2.3', apiVersion: 'v1', gitCommit: '', nodeVersion: '', os: 'linux', arch: 'x64', kernelVersion: '', cgroupVersion: 'v1', pid: 7 };
              },
              ping: async () => ({}),
              prune: async () => SystemPruneResponse.fromPartial({}),
              info: async () => InfoResponse.fromPartial({}),
              pruneContainers: async () => ({ containersDeleted: [], reclaimedBytes: 0 }),
            }),
          ],
        ],
        { mode: 0o660 },
      ),
    );
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const client = dialUnix(SystemClient, path);
    const v = await unary<VersionResponse>((cb) => client.version({}, cb));
    expect(v.version).toBe('1.2.3');
    expect(v.pid).toBe(7);
    fail = true;
    const err = await unary((cb) => client.version({}, cb)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeError);
    expect((err as CeError).code).toBe('NotFound');
    expect((err as CeError).message).toBe('No such thing: x');
    client.close();
  });

  it('reports Unavailable, naming the target, when nothing listens', async () => {
    const client = dialUnix(SystemClient, socketPath());
    const err = (await unary((cb) => client.version({}, { deadline: Date.now() + 2000 }, cb), 'ced at /nowhere').catch((e: unknown) => e)) as CeError;
    expect(['Unavailable', 'DeadlineExceeded']).toContain(err.code);
    client.close();
  });

  it('streams server-side events and bridges an attach session both ways', async () => {
    const path = socketPath();
    const received: Buffer[] = [];
    const impl = taskImpl((call) =>
        serveAttach(call, (options) => {
          const output = new OutputQueue<{ stream: 'stdout' | 'stderr'; data: Buffer }>();
          expect(options).toEqual({ id: 'a', stdin: true, stdout: true, stderr: true });
          return {
            ready: Promise.resolve(),
            output,
            writeStdin: (d: Buffer) => {
              received.push(d);
              output.push({ stream: 'stdout', data: Buffer.from(`echo:${d}`) });
              output.push({ stream: 'stderr', data: Buffer.from('err') });
            },
            closeStdin: () => output.end(),
            resize: () => undefined,
            close: () => output.end(),
          };
        }));
    servers.push(await serveUnix(path, [[TaskService, adaptService(TaskService, impl)]]));
    const client = dialUnix(TaskClient, path);

    const events: TaskEvent[] = [];
    for await (const e of readStream<TaskEvent>(client.events({}))) events.push(e);
    expect(events.map((e) => [e.start?.pid, e.exit?.exitStatus])).toEqual([[42, undefined], [undefined, 3]]);

    const session = clientAttach(client.attach(), { id: 'a', stdin: true, stdout: true, stderr: true });
    await session.ready;
    session.writeStdin(Buffer.from('hi'));
    const chunks: string[] = [];
    for await (const chunk of session.output) {
      chunks.push(`${chunk.stream}:${chunk.data.toString()}`);
      if (chunks.length === 2) session.closeStdin();
    }
    expect(chunks).toEqual(['stdout:echo:hi', 'stderr:err']);
    expect(Buffer.concat(received).toString()).toBe('hi');
    client.close();
  });

  it('leaves the process\'s stdin open when a client detaches (cancels), and closes it on close_stdin only', async () => {
    const path = socketPath();
    const seen: string[] = [];
    let closed!: () => void;
    const sessionClosed = new Promise<void>((resolve) => (closed = resolve));
    const impl = taskImpl((call) =>
      serveAttach(call, () => {
        const output = new OutputQueue<{ stream: 'stdout' | 'stderr'; data: Buffer }>();
        return {
          ready: Promise.resolve(),
          output,
          writeStdin: () => undefined,
          closeStdin: () => void seen.push('closeStdin'),
          resize: () => undefined,
          close: () => {
            seen.push('close');
            output.end();
            closed();
          },
        };
      }),
    );
    servers.push(await serveUnix(path, [[TaskService, adaptService(TaskService, impl)]]));
    const client = dialUnix(TaskClient, path);
    const session = clientAttach(client.attach(), { id: 'a', stdin: true, stdout: true, stderr: true });
    await session.ready;
    session.close();
    await sessionClosed;
    expect(seen).toContain('close');
    expect(seen).not.toContain('closeStdin');
    client.close();
  });
});
