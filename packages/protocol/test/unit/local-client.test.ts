import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adaptService, CeError, clientAttach, dialUnix, localClient, notFound, OutputQueue, readStream, serveAttach, serveUnix, unary, type CallContext, type MessageCopies, type UnixServer } from '../../src/index.js';
import type { TaskEvent } from '../../src/gen/ce/events/v1/task.js';
import { TaskEvent as TaskEventType } from '../../src/gen/ce/events/v1/task.js';
import { EventsRequest, KillRequest, KillResponse, TaskClient, TaskService, WaitRequest } from '../../src/gen/ce/shim/v1/shim.js';
import { ExitStatus } from '../../src/gen/ce/types/v1/task.js';
import { taskImpl } from './support/fake-task.js';

const dirs: string[] = [];
const servers: UnixServer[] = [];
const clients: TaskClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close(100);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The same implementation served on a socket, and a remote client with its local twin. */
async function both(overrides: Record<string, unknown>, copies: MessageCopies<typeof TaskService> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ce-local-client-test-'));
  dirs.push(dir);
  const impl = taskImpl(
    (call) =>
      serveAttach(call, () => {
        const output = new OutputQueue<{ stream: 'stdout' | 'stderr'; data: Buffer }>();
        return {
          ready: Promise.resolve(),
          output,
          writeStdin: (d: Buffer) => output.push({ stream: 'stdout', data: Buffer.from(`echo:${d}`) }),
          closeStdin: () => output.end(),
          resize: () => undefined,
          close: () => output.end(),
        };
      }),
    overrides,
  );
  servers.push(await serveUnix(join(dir, 'task.sock'), [[TaskService, adaptService(TaskService, impl)]]));
  const remote = dialUnix(TaskClient, join(dir, 'task.sock'));
  clients.push(remote);
  return { remote, local: localClient(remote, TaskService, impl as Parameters<typeof localClient<TaskClient, typeof TaskService>>[2], copies) };
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err as CeError);

describe('localClient', () => {
  it('answers a unary call in process with what the wire gives: defaults filled in the request, the same reply', async () => {
    const seen: KillRequest[] = [];
    const { remote, local } = await both({ kill: async (req: KillRequest) => (seen.push(req), {}) });
    const request = { id: 'a', signal: 9, all: false } as KillRequest;
    await unary((cb) => remote.kill(request, cb));
    await unary((cb) => local.kill(request, cb));
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[1]).not.toBe(request);
    expect(seen[1]).toEqual({ id: 'a', signal: 9, all: false, execId: undefined });
    // A request that cannot be encoded fails in process as it fails on the socket.
    const broken = { id: 'a' } as KillRequest;
    const viaSocket = await failure(unary((cb) => remote.kill(broken, cb)));
    const inProcess = await failure(unary((cb) => local.kill(broken, cb)));
    expect({ code: inProcess?.code, message: inProcess?.message }).toEqual({ code: viaSocket?.code, message: viaSocket?.message });
    expect(seen).toHaveLength(2);
    expect(await unary((cb) => local.wait({ id: 'a' }, cb))).toEqual(await unary((cb) => remote.wait({ id: 'a' }, cb)));
  });

  it('copies the messages of the methods given their types: what the wire gives, in new objects', async () => {
    const seen: KillRequest[] = [];
    const exit = { exitStatus: 3, exitedAt: new Date(5000), reason: 'done', oomKilled: false, notInTheMessage: 1 } as ExitStatus;
    const copies: MessageCopies<typeof TaskService> = {
      kill: { request: KillRequest, response: KillResponse },
      wait: { request: WaitRequest, response: ExitStatus },
      events: { request: EventsRequest, response: TaskEventType },
    };
    const events = async function* () {
      yield TaskEventType.fromPartial({ id: 'a', timestamp: new Date(0), start: { pid: 42 } });
      yield TaskEventType.fromPartial({ id: 'a', timestamp: new Date(1000), exit: { pid: 42, exitStatus: 3, exitedAt: new Date(1000), reason: 'done' } });
    };
    const { remote, local } = await both({ kill: async (req: KillRequest) => (seen.push(req), {}), wait: async () => exit, events }, copies);
    const request = { id: 'a', signal: 9, all: false } as KillRequest;
    await unary((cb) => remote.kill(request, cb));
    await unary((cb) => local.kill(request, cb));
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[1]).not.toBe(request);
    const viaSocket = await unary<ExitStatus>((cb) => remote.wait({ id: 'a' }, cb));
    const inProcess = await unary<ExitStatus>((cb) => local.wait({ id: 'a' }, cb));
    expect(inProcess).toEqual(viaSocket);
    expect(inProcess).toEqual({ exitStatus: 3, exitedAt: new Date(5000), reason: 'done', oomKilled: false });
    expect(inProcess).not.toBe(exit);
    const read = async (client: TaskClient) => {
      const got: TaskEvent[] = [];
      for await (const e of readStream<TaskEvent>(client.events({}))) got.push(e);
      return got;
    };
    const streamed = await read(local);
    expect(streamed).toEqual(await read(remote));
    expect(streamed[1]?.exit).toMatchObject({ exitStatus: 3, reason: 'done' });
  });

  it('fails a unary call with the CeError the remote client raises', async () => {
    const { remote, local } = await both({
      state: async () => {
        throw notFound('No such task: a');
      },
    });
    const viaSocket = await failure(unary((cb) => remote.state({ id: 'a' }, cb)));
    const inProcess = await failure(unary((cb) => local.state({ id: 'a' }, cb)));
    expect(inProcess).toBeInstanceOf(CeError);
    expect({ code: inProcess?.code, message: inProcess?.message }).toEqual({ code: viaSocket?.code, message: viaSocket?.message });
    expect(inProcess?.code).toBe('NotFound');
  });

  it('cancels a unary call: the implementation sees its signal abort, the caller gets Canceled', async () => {
    let aborted = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const { local } = await both({
      wait: (_req: unknown, ctx: CallContext) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ exitStatus: 0, exitedAt: undefined, reason: '', oomKilled: false });
          });
          started();
        }),
    });
    let call!: { cancel(): void };
    const result = failure(unary((cb) => (call = local.wait({ id: 'a' }, cb))));
    await running;
    call.cancel();
    expect((await result)?.code).toBe('Canceled');
    expect(aborted).toBe(true);
  });

  it('does not run a unary call cancelled before it was sent', async () => {
    let ran = false;
    const { local } = await both({ kill: async () => ((ran = true), {}) });
    let call!: { cancel(): void };
    const result = failure(unary((cb) => (call = local.kill({ id: 'a', signal: 9, all: false }, cb))));
    call.cancel();
    expect((await result)?.code).toBe('Canceled');
    expect(ran).toBe(false);
  });

  it('streams the same messages as the socket, metadata first, and ends', async () => {
    const { remote, local } = await both({});
    const read = async (client: TaskClient) => {
      const call = client.events({});
      const order: string[] = [];
      call.on('metadata', () => order.push('metadata'));
      const events: TaskEvent[] = [];
      for await (const e of readStream<TaskEvent>(call)) {
        order.push('message');
        events.push(e);
      }
      return { events, order };
    };
    const inProcess = await read(local);
    expect(inProcess).toEqual(await read(remote));
    expect(inProcess.order).toEqual(['metadata', 'message', 'message']);
    expect(inProcess.events[1]?.exit?.exitedAt).toEqual(new Date(1000));
  });

  it('fails a stream midway with the CeError the remote client raises', async () => {
    const { remote, local } = await both({
      events: async function* () {
        yield { id: 'a', timestamp: new Date(0), start: { pid: 42 } } as TaskEvent;
        throw notFound('No such task: a');
      },
    });
    const drain = async (client: TaskClient) => {
      const got: TaskEvent[] = [];
      const err = await failure((async () => { for await (const e of readStream<TaskEvent>(client.events({}))) got.push(e); })());
      return { got: got.length, code: err?.code, message: err?.message };
    };
    const inProcess = await drain(local);
    expect(inProcess).toEqual(await drain(remote));
    expect(inProcess).toEqual({ got: 1, code: 'NotFound', message: 'No such task: a' });
  });

  it('cancels a stream: the generator is closed and its signal aborted, the reader gets Canceled', async () => {
    let finished = false;
    let signal: AbortSignal | undefined;
    const { local } = await both({
      events: async function* (_req: unknown, ctx: CallContext) {
        signal = ctx.signal;
        try {
          yield { id: 'a', timestamp: new Date(0), start: { pid: 42 } } as TaskEvent;
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        } finally {
          finished = true;
        }
      },
    });
    const call = local.events({});
    const got: TaskEvent[] = [];
    const err = await failure(
      (async () => {
        for await (const e of call as AsyncIterable<TaskEvent>) {
          got.push(e);
          call.cancel();
        }
      })(),
    );
    expect(got).toHaveLength(1);
    expect((err as unknown as { code: number }).code).toBe(1);
    expect(signal?.aborted).toBe(true);
    await expect.poll(() => finished).toBe(true);
  });

  it('leaves streams in both directions (attach) on the socket', async () => {
    const { local } = await both({});
    const session = clientAttach(local.attach(), { id: 'a', stdin: true, stdout: true, stderr: true });
    await session.ready;
    session.writeStdin(Buffer.from('hi'));
    const chunks: string[] = [];
    for await (const chunk of session.output) {
      chunks.push(chunk.data.toString());
      session.closeStdin();
    }
    expect(chunks).toEqual(['echo:hi']);
  });
});
