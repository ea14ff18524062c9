// grpc-lite (the CLI's gRPC client on node:http2) against grpc-js servers: the
// generated clients and @ce/protocol's client helpers are run with grpc-lite in
// place of grpc-js's client, as the CLI's bundle runs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('@grpc/grpc-js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@grpc/grpc-js')>();
  const lite = await import('../../src/grpc-lite/index.js');
  return { ...real, makeGenericClientConstructor: lite.makeGenericClientConstructor, credentials: { ...real.credentials, createInsecure: lite.credentials.createInsecure } };
});

import { Server, ServerCredentials, status as grpcStatus, Metadata as GrpcMetadata, type ServiceDefinition, type ServerDuplexStream, type ServerReadableStream, type ServerWritableStream } from '@grpc/grpc-js';
import * as lite from '../../src/grpc-lite/index.js';
import { adaptService, clientAttach, CeError, dialUnix, fromServiceError, notFound, OutputQueue, readStream, serveAttach, serveUnix, unary, uploadStream, type UnixServer } from '../../src/index.js';
import { InfoResponse, SystemClient, SystemPruneResponse, SystemService, type VersionResponse } from '../../src/gen/ce/api/v1/system.js';
import { TaskClient, TaskService } from '../../src/gen/ce/shim/v1/shim.js';
import type { TaskEvent } from '../../src/gen/ce/events/v1/task.js';
import { taskImpl } from './support/fake-task.js';

const dirs: string[] = [];
const servers: UnixServer[] = [];
const rawServers: Server[] = [];
const clients: lite.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close(100);
  for (const s of rawServers.splice(0)) s.forceShutdown();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ce-grpc-lite-test-'));
  dirs.push(dir);
  return join(dir, 'test.sock');
}

const asBuffer = (b: Buffer | { data: Buffer }) => (Buffer.isBuffer(b) ? b : b.data);
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.Raw/${name}`,
  requestStream,
  responseStream,
  requestSerialize: asBuffer,
  requestDeserialize: asBuffer,
  responseSerialize: asBuffer,
  responseDeserialize: asBuffer,
  originalName: name,
});
/** A service of raw bytes, to drive each kind of call and each way of ending one. */
const RawService = {
  echo: method('Echo', false, false),
  many: method('Many', false, true),
  sum: method('Sum', true, false),
  chat: method('Chat', true, true),
} satisfies ServiceDefinition;

interface RawClient extends lite.Client {
  echo(req: Buffer, ...rest: unknown[]): { cancel(): void };
  many(req: Buffer, ...rest: unknown[]): NodeJS.ReadableStream & { cancel(): void };
  sum(...rest: unknown[]): NodeJS.WritableStream & { cancel(): void; write(b: Buffer): boolean };
  chat(...rest: unknown[]): NodeJS.ReadWriteStream & { cancel(): void; write(b: Buffer): boolean };
}
const RawClient = lite.makeGenericClientConstructor(RawService, 'test.Raw') as unknown as new (address: string, creds: unknown, options?: lite.ClientOptions) => RawClient;

async function serveRaw(impl: Record<string, unknown>): Promise<string> {
  const path = socketPath();
  const server = new Server();
  server.addService(RawService, impl as never);
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  rawServers.push(server);
  return path;
}

function rawClient(path: string, options?: lite.ClientOptions): RawClient {
  const c = new RawClient(`unix:${path}`, lite.credentials.createInsecure(), options);
  clients.push(c);
  return c;
}

const unaryRaw = (c: RawClient, req: Buffer, ...rest: unknown[]) =>
  new Promise<Buffer>((resolve, reject) => c.echo(req, ...rest, (err: lite.ServiceError | null, res?: Buffer) => (err ? reject(err) : resolve(res!))));

const noop = () => undefined;
const echoImpl = { echo: (call: { request: Buffer }, cb: (e: unknown, r?: Buffer) => void) => cb(null, Buffer.concat([Buffer.from('re:'), call.request])), many: noop, sum: noop, chat: noop };

describe('grpc-lite, the CLI\'s gRPC client', () => {
  it('stands in for grpc-js in the generated clients: unary calls and daemon errors as CeErrors with their facts', async () => {
    const path = socketPath();
    let fail = false;
    servers.push(
      await serveUnix(path, [
        [
          SystemService,
          adaptService(SystemService, {
            version: async () => {
              if (fail) throw new CeError('NotFound', 'No such thing: x', { path: '/a b/ü', op: 'open' });
              return { version: '1.2.3', apiVersion: 'v1', gitCommit: '', nodeVersion: '', os: 'linux', arch: 'x64', kernelVersion: '', cgroupVersion: 'v1', pid: 7 };
            },
            ping: async () => ({}),
            prune: async () => SystemPruneResponse.fromPartial({}),
            info: async () => InfoResponse.fromPartial({}),
            pruneContainers: async () => ({ containersDeleted: [], reclaimedBytes: 0 }),
          }),
        ],
      ]),
    );
    const client = dialUnix(SystemClient, path);
    expect(client).toBeInstanceOf(lite.Client);
    const v = await unary<VersionResponse>((cb) => client.version({}, cb));
    expect([v.version, v.pid]).toEqual(['1.2.3', 7]);
    fail = true;
    const err = (await unary((cb) => client.version({}, cb)).catch((e: unknown) => e)) as CeError;
    expect(err).toBeInstanceOf(CeError);
    expect([err.code, err.message, err.path, err.op]).toEqual(['NotFound', 'No such thing: x', '/a b/ü', 'open']);
    client.close();
  });

  it('says Unavailable with the reason when nothing listens, as the CLI words "Cannot connect"', async () => {
    const client = dialUnix(SystemClient, socketPath());
    const err = (await unary((cb) => client.version({}, cb), 'unix:///nowhere').catch((e: unknown) => e)) as CeError;
    expect(err.code).toBe('Unavailable');
    expect(err.message).toMatch(/^cannot reach unix:\/\/\/nowhere: No connection established\. Last error: Error: connect ENOENT /);
    client.close();
  });

  it('reads a server stream, then an attach session both ways, on one connection', async () => {
    const path = socketPath();
    const impl = taskImpl(
      (call) =>
        serveAttach(call, () => {
          const output = new OutputQueue<{ stream: 'stdout' | 'stderr'; data: Buffer }>();
          return {
            ready: Promise.resolve(),
            output,
            writeStdin: (d: Buffer) => {
              output.push({ stream: 'stdout', data: Buffer.from(`echo:${d}`) });
              output.push({ stream: 'stderr', data: Buffer.from('err') });
            },
            closeStdin: () => output.end(),
            resize: () => undefined,
            close: () => output.end(),
          };
        }),
      {
        state: async () => {
          throw notFound('no state');
        },
      },
    );
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
    const stateErr = (await unary((cb) => client.state({ id: 'a', execId: '' }, cb)).catch((e: unknown) => e)) as CeError;
    expect([stateErr.code, stateErr.message]).toEqual(['NotFound', 'no state']);
    client.close();
  });

  it('gives every message of a long stream in order to a slow reader, then the failed status as an error', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const path = await serveRaw({
      ...echoImpl,
      many: async (call: ServerWritableStream<Buffer, Buffer>) => {
        for (let i = 0; i < 200; i++) {
          const head = Buffer.alloc(4);
          head.writeUInt32BE(i);
          if (!call.write(Buffer.concat([head, chunk]))) await new Promise((r) => call.once('drain', r));
        }
        const md = new GrpcMetadata();
        md.set('ce-error-code', 'Conflict');
        call.emit('error', { code: grpcStatus.FAILED_PRECONDITION, details: 'gone wrong', metadata: md });
      },
    });
    const stream = rawClient(path).many(Buffer.from('go'));
    const seen: number[] = [];
    const failure = await (async () => {
      try {
        for await (const m of stream as AsyncIterable<Buffer>) {
          seen.push(m.readUInt32BE(0));
          if (seen.length % 50 === 0) await new Promise((r) => setTimeout(r, 20));
        }
      } catch (err) {
        return err as lite.ServiceError;
      }
    })();
    expect(seen).toEqual([...Array(200).keys()]);
    expect(failure?.message).toBe('9 FAILED_PRECONDITION: gone wrong');
    const ce = fromServiceError(failure!);
    expect([ce.code, ce.message]).toEqual(['Conflict', 'gone wrong']);
  });

  it('sends a client stream with back-pressure and gets its one answer', async () => {
    const path = await serveRaw({
      ...echoImpl,
      sum: (call: ServerReadableStream<Buffer, Buffer>, cb: (e: unknown, r?: Buffer) => void) => {
        let n = 0;
        call.on('data', (b: Buffer) => (n += b.length));
        call.on('end', () => cb(null, Buffer.from(String(n))));
      },
    });
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const call = rawClient(path).sum((err: lite.ServiceError | null, res?: Buffer) => (err ? reject(err) : resolve(res!)));
      void (async () => {
        for (let i = 0; i < 40; i++) if (!call.write(Buffer.alloc(1024 * 1024, i))) await new Promise((r) => call.once('drain', r));
        call.end();
      })();
    });
    expect(answer.toString()).toBe(String(40 * 1024 * 1024));
  });

  it('uploads through uploadStream on a bidi call (ce load, ce import)', async () => {
    const path = await serveRaw({
      ...echoImpl,
      chat: (call: ServerDuplexStream<Buffer, Buffer>) => {
        let n = 0;
        call.on('data', (b: Buffer) => (n += b.length));
        call.on('end', () => {
          call.write(Buffer.from(`got ${n}`));
          call.end();
        });
      },
    });
    async function* source() {
      yield Buffer.alloc(3 * 1024 * 1024 + 5, 1);
    }
    const call = rawClient(path).chat() as unknown as Parameters<typeof uploadStream>[0];
    const res = await uploadStream(call, source(), () => ({}), 'unix://test');
    expect(Buffer.from(res as Buffer).toString()).toBe(`got ${3 * 1024 * 1024 + 5}`);
  });

  it('cancels a call from the client: the caller gets CANCELLED, the server sees the cancel', async () => {
    let serverSawCancel!: () => void;
    const cancelled = new Promise<void>((r) => (serverSawCancel = r));
    const path = await serveRaw({
      ...echoImpl,
      chat: (call: ServerDuplexStream<Buffer, Buffer>) => {
        call.on('cancelled', serverSawCancel);
        call.on('data', (b: Buffer) => call.write(b));
      },
    });
    const call = rawClient(path).chat();
    const first = new Promise<Buffer>((r) => call.once('data', r));
    call.write(Buffer.from('ping'));
    expect((await first).toString()).toBe('ping');
    const error = new Promise<lite.ServiceError>((r) => call.once('error', r));
    call.cancel();
    expect((await error).code).toBe(lite.status.CANCELLED);
    await cancelled;
  });

  it('ends a call at its deadline with DEADLINE_EXCEEDED', async () => {
    const path = await serveRaw({ ...echoImpl, echo: noop });
    const err = (await unaryRaw(rawClient(path), Buffer.from('x'), { deadline: Date.now() + 100 }).catch((e: unknown) => e)) as lite.ServiceError;
    expect([err.code, err.details]).toEqual([lite.status.DEADLINE_EXCEEDED, 'Deadline exceeded']);
  });

  it('refuses a message over grpc.max_receive_message_length with RESOURCE_EXHAUSTED', async () => {
    const path = await serveRaw({ ...echoImpl, echo: (_c: unknown, cb: (e: unknown, r?: Buffer) => void) => cb(null, Buffer.alloc(2048)) });
    const err = (await unaryRaw(rawClient(path, { 'grpc.max_receive_message_length': 1024 }), Buffer.from('x')).catch((e: unknown) => e)) as lite.ServiceError;
    expect(err.code).toBe(lite.status.RESOURCE_EXHAUSTED);
    expect(await unaryRaw(rawClient(path), Buffer.from('x'))).toHaveLength(2048);
  });

  it('sends the caller\'s metadata and hands the server\'s headers to a metadata listener', async () => {
    const path = await serveRaw({
      ...echoImpl,
      echo: (call: { metadata: GrpcMetadata; sendMetadata(m: GrpcMetadata): void }, cb: (e: unknown, r?: Buffer) => void) => {
        const md = new GrpcMetadata();
        md.set('x-answer', 'yes');
        call.sendMetadata(md);
        cb(null, Buffer.from(String(call.metadata.get('x-asked')[0])));
      },
    });
    const md = new lite.Metadata();
    md.set('X-Asked', 'please');
    const client = rawClient(path);
    const headers = new Promise<lite.Metadata>((resolve, reject) => {
      const call = client.echo(Buffer.from(''), md, (err: unknown, res?: Buffer) => (err ? reject(err) : expect(res!.toString()).toBe('please'))) as unknown as NodeJS.EventEmitter;
      call.once('metadata', resolve);
    });
    expect((await headers).get('x-answer')).toEqual(['yes']);
  });

  it('fails open calls with UNAVAILABLE when the daemon goes away, and dials again for the next call', async () => {
    let hold!: () => void;
    const held = new Promise<void>((r) => (hold = r));
    const path = await serveRaw({ ...echoImpl, many: () => hold() });
    const client = rawClient(path);
    const stream = client.many(Buffer.from(''));
    const error = new Promise<lite.ServiceError>((r) => stream.once('error', r));
    await held;
    rawServers.pop()!.forceShutdown();
    expect((await error).code).toBe(lite.status.UNAVAILABLE);
    await new Promise<void>((resolve, reject) => {
      const server = new Server();
      server.addService(RawService, echoImpl as never);
      rmSync(path, { force: true });
      server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
      rawServers.push(server);
    });
    expect((await unaryRaw(client, Buffer.from('again'))).toString()).toBe('re:again');
  });
});
