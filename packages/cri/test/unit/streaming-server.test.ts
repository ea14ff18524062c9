// The streaming server with a fake runtime, through SPDY and WebSocket
// clients as client-go speaks: tokens, handshakes, streams, the status.
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CeError } from '@ce/protocol';
import { ExecRequest } from '../../src/gen/runtime/v1/api.js';
import type { ProcessIo, TerminalSize } from '../../src/streaming/container-exec.js';
import { nonZeroExit } from '../../src/streaming/exec-status.js';
import { startStreamingServer, type StreamingRuntime, type StreamingServer } from '../../src/streaming/streaming-server.js';
import { ChannelClient, SpdyClient, type ClientStream, type HttpAnswer } from '../support/stream-clients.js';

const resizes: TerminalSize[] = [];

/** `echo`: stdin back on stdout; `fail`: stderr and exit 3; `hello`: stdout and stderr. */
const runtime: StreamingRuntime = {
  async exec(_id, cmd, io: ProcessIo) {
    if (io.resize) void (async () => {
      for await (const size of io.resize!) resizes.push(size);
    })();
    if (cmd[0] === 'echo') {
      for await (const data of io.stdin ?? []) io.stdout?.(data);
      return {};
    }
    if (cmd[0] === 'broken') throw new CeError('Unknown', 'failed to exec in container: container is in CONTAINER_EXITED state');
    if (cmd[0] === 'size') {
      await vi.waitFor(() => expect(resizes.length).toBeGreaterThan(0));
      io.stdout?.(Buffer.from(JSON.stringify(resizes[0])));
      return {};
    }
    io.stdout?.(Buffer.from('to stdout\n'));
    io.stderr?.(Buffer.from('to stderr\n'));
    return cmd[0] === 'fail' ? nonZeroExit(cmd, 3) : {};
  },
  async attach(_id, io) {
    io.stdout?.(Buffer.from('attached\n'));
    return {};
  },
  portForward: () => async (port) => {
    if (port !== target.port) throw new Error(`dial tcp4 127.0.0.1:${port}: connect: connection refused`);
    const { connect } = await import('node:net');
    return connect({ host: '127.0.0.1', port });
  },
};

const target: { server?: Server; port: number } = { port: 0 };
let server: StreamingServer;

beforeEach(async () => {
  resizes.length = 0;
  server = await startStreamingServer({ runtime, streamCreationTimeoutMs: 2000 });
  // A TCP echo server, upper-casing: the port forwarded to.
  target.server = createServer((socket) => socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase())));
  await new Promise<void>((resolve) => target.server!.listen(0, '127.0.0.1', resolve));
  target.port = (target.server.address() as { port: number }).port;
});

afterEach(async () => {
  await server.close();
  await new Promise((resolve) => target.server?.close(resolve));
});

const execUrl = (cmd: string[], opts: Partial<ExecRequest> = {}) =>
  server.getExec(ExecRequest.fromPartial({ containerId: 'c1', cmd, stdout: true, stderr: true, ...opts })).url;

async function spdy(url: string, protocols = ['v4.channel.k8s.io']): Promise<SpdyClient> {
  const client = await SpdyClient.open(url, protocols);
  if (!(client instanceof SpdyClient)) throw new Error(`refused: ${client.status} ${client.body}`);
  return client;
}

describe('the URLs', () => {
  it('answers http://127.0.0.1:<port>/<method>/<token>, and refuses requests the kubelet refuses', () => {
    expect(execUrl(['ls'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]{11}$/);
    expect(server.getAttach({ containerId: 'c1', stdin: false, tty: false, stdout: true, stderr: false }).url).toMatch(/\/attach\//);
    expect(server.getPortForward({ podSandboxId: 's1', port: [80] }).url).toMatch(/\/portforward\//);
    expect(() => execUrl(['ls'], { tty: true })).toThrow('tty and stderr cannot both be true');
    expect(() => execUrl(['ls'], { stdout: false, stderr: false })).toThrow('one of stdin, stdout, or stderr must be set');
    expect(() => server.getExec(ExecRequest.fromPartial({ cmd: ['ls'], stdout: true }))).toThrow('missing required container_id');
    expect(() => server.getPortForward({ podSandboxId: '', port: [] })).toThrow('missing required pod_sandbox_id');
  });

  it('a token serves once: the second use, an unknown token and another method\'s route are 404', async () => {
    const url = execUrl(['hello']);
    const first = await spdy(url);
    first.close();
    for (const u of [url, url.replace(/[^/]+$/, 'nope'), url.replace('/exec/', '/attach/')]) {
      const answer = (await SpdyClient.open(u, ['v4.channel.k8s.io'])) as HttpAnswer;
      expect(answer.status).toBe(404);
      expect(answer.body).toBe('404 page not found\n');
    }
  });

  it('a malformed token or a client that breaks off mid-frame does not upset the server', async () => {
    expect((await fetch(execUrl(['ls']).replace(/[^/]+$/, '%E0%A4%A'), { method: 'POST' })).status).toBe(404);
    const ws = new ChannelClient(execUrl(['echo'], { stdin: true, stderr: false }), ['v4.channel.k8s.io']);
    await ws.opened;
    // A frame header promising more bytes than ever come, then a reset.
    (ws.ws as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.from([0x82, 0x7e, 0xff]));
    (ws.ws as unknown as { _socket: import('node:net').Socket })._socket.destroy();
    await ws.closed;
    const after = await spdy(execUrl(['hello']));
    const error = await after.stream({ streamType: 'error' });
    await after.stream({ streamType: 'stdout' });
    await after.stream({ streamType: 'stderr' });
    await error.ended;
    expect(JSON.parse(error.received().toString())).toEqual({ metadata: {}, status: 'Success' });
    after.close();
  });

  it('refuses a protocol it does not speak (403, naming both sides) and a request that does not upgrade (400)', async () => {
    const answer = (await SpdyClient.open(execUrl(['ls']), ['v9.channel.k8s.io'])) as HttpAnswer;
    expect(answer.status).toBe(403);
    expect(answer.body).toBe('unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]');
    const plain = await fetch(execUrl(['ls']), { method: 'POST' });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toMatch(/^unable to upgrade: missing upgrade headers in request/);
  });
});

describe('exec over SPDY', () => {
  async function run(cmd: string[], protocol = 'v4.channel.k8s.io') {
    const client = await spdy(execUrl(cmd), [protocol]);
    expect(client.protocol).toBe(protocol);
    const error = await client.stream({ streamType: 'error' });
    const stdout = await client.stream({ streamType: 'stdout' });
    const stderr = await client.stream({ streamType: 'stderr' });
    await Promise.all([error.ended, stdout.ended, stderr.ended, client.goneAway]);
    client.close();
    return { error: error.received().toString(), stdout: stdout.received().toString(), stderr: stderr.received().toString(), client };
  }

  it('v4: stdout and stderr on their streams, each answered with SYN_REPLY; Success on the error stream; then GOAWAY', async () => {
    const { error, stdout, stderr, client } = await run(['hello']);
    expect({ stdout, stderr }).toEqual({ stdout: 'to stdout\n', stderr: 'to stderr\n' });
    expect(JSON.parse(error)).toEqual({ metadata: {}, status: 'Success' });
    expect(client.frames.filter((f) => f.type === 'syn_reply')).toHaveLength(3);
    expect(client.frames.at(-1)).toMatchObject({ type: 'goaway', lastGoodStreamId: 5 });
  });

  it('v4: a non-zero exit is Failure with reason NonZeroExitCode and the code as an ExitCode cause', async () => {
    const status = JSON.parse((await run(['fail'])).error) as { status: string; reason: string; details: { causes: Array<{ reason: string; message: string }> } };
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
  });

  it('v2: the failure as text; a failure to run as an internal error', async () => {
    expect((await run(['fail'], 'v2.channel.k8s.io')).error).toBe('command terminated with non-zero exit code: error executing command [fail], exit code 3');
    expect((await run(['hello'], 'v2.channel.k8s.io')).error).toBe('');
    expect(JSON.parse((await run(['broken'])).error)).toMatchObject({ reason: 'InternalError', code: 500 });
  });

  it('stdin reaches the process until the client half-closes it; pings are answered', async () => {
    const client = await spdy(execUrl(['echo'], { stdin: true, stderr: false }));
    const error = await client.stream({ streamType: 'error' });
    const stdin = await client.stream({ streamType: 'stdin' });
    const stdout = await client.stream({ streamType: 'stdout' });
    await stdin.replied;
    client.ping(7);
    stdin.write('hello ');
    stdin.write('world');
    stdin.end();
    await Promise.all([stdout.ended, error.ended]);
    expect(stdout.received().toString()).toBe('hello world');
    expect(client.frames).toContainEqual({ type: 'ping', id: 7 });
    // What the client sent is acknowledged (stream and connection windows).
    expect(client.frames).toContainEqual({ type: 'window_update', streamId: stdin.id, delta: 6 });
    client.close();
  });

  it('tty: the resize stream carries terminal sizes', async () => {
    const client = await spdy(execUrl(['size'], { tty: true, stderr: false }));
    const error = await client.stream({ streamType: 'error' });
    const stdout = await client.stream({ streamType: 'stdout' });
    const resize = await client.stream({ streamType: 'resize' });
    resize.write('{"Width":120,"Height":40}\n');
    await error.ended;
    expect(JSON.parse(stdout.received().toString())).toEqual({ width: 120, height: 40 });
    client.close();
  });

  it('a connection idle past the idle timeout is closed', async () => {
    const idle = await startStreamingServer({ runtime, streamIdleTimeoutMs: 200 });
    try {
      const client = await spdy(idle.getPortForward({ podSandboxId: 's1', port: [] }).url, ['portforward.k8s.io']);
      await client.goneAway;
      client.close();
    } finally {
      await idle.close();
    }
  });

  it('streams the client never opens time out (the connection is closed)', async () => {
    const client = await spdy(execUrl(['hello']));
    await client.stream({ streamType: 'error' });
    await client.goneAway;
    client.close();
  });
});

describe('exec and attach over WebSocket channels', () => {
  it('v5: the empty hello on stdout, stdout on 1, stderr on 2, the status JSON on 3, then close', async () => {
    const ws = new ChannelClient(execUrl(['fail']), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    await ws.closed;
    expect(ws.ws.protocol).toBe('v5.channel.k8s.io');
    expect(ws.channels.get(1)![0]).toEqual(Buffer.alloc(0));
    expect([ws.text(1), ws.text(2)]).toEqual(['to stdout\n', 'to stderr\n']);
    expect(JSON.parse(ws.text(3))).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
  });

  it('v5: stdin on channel 0 until the client closes it (255, 0)', async () => {
    const ws = new ChannelClient(execUrl(['echo'], { stdin: true, stderr: false }), ['v5.channel.k8s.io']);
    await ws.opened;
    ws.send(0, 'typed');
    ws.ws.send(Buffer.from([255, 0]));
    await ws.closed;
    expect(ws.text(1)).toBe('typed');
    expect(JSON.parse(ws.text(3))).toEqual({ metadata: {}, status: 'Success' });
  });

  it('base64.channel.k8s.io: channels as digits before base64 text; the older text status', async () => {
    const ws = new ChannelClient(execUrl(['fail']), ['base64.channel.k8s.io']);
    await ws.closed;
    expect([ws.text(1), ws.text(2)]).toEqual(['to stdout\n', 'to stderr\n']);
    expect(ws.text(3)).toBe('command terminated with non-zero exit code: error executing command [fail], exit code 3');
  });

  it('attach answers through the same channels; an unknown subprotocol is refused with 403', async () => {
    const ws = new ChannelClient(server.getAttach({ containerId: 'c1', stdin: false, tty: false, stdout: true, stderr: false }).url, ['v4.channel.k8s.io']);
    await ws.closed;
    expect(ws.text(1)).toBe('attached\n');
    const refused = new ChannelClient(execUrl(['ls']), ['v9.channel.k8s.io']);
    expect(await refused.refusal).toMatchObject({ status: 403, body: 'requested protocol(s) are not supported: [v9.channel.k8s.io]' });
  });
});

describe('port-forward over SPDY', () => {
  async function pair(client: SpdyClient, port: number, requestID: string): Promise<{ error: ClientStream; data: ClientStream }> {
    const error = await client.stream({ streamType: 'error', port: String(port), requestID });
    error.end();
    const data = await client.stream({ streamType: 'data', port: String(port), requestID });
    return { error, data };
  }

  it('pipes a data stream to the port both ways; two connections at once; a refused one says why on its error stream', async () => {
    const client = await spdy(server.getPortForward({ podSandboxId: 's1', port: [target.port] }).url, ['portforward.k8s.io']);
    expect(client.protocol).toBe('portforward.k8s.io');
    const a = await pair(client, target.port, '0');
    const b = await pair(client, target.port, '1');
    a.data.write('first');
    b.data.write('second');
    await vi.waitFor(() => expect([a.data.received().toString(), b.data.received().toString()]).toEqual(['FIRST', 'SECOND']));
    const refused = await pair(client, 1, '2');
    await refused.error.ended;
    expect(refused.error.received().toString()).toBe('error forwarding port 1 to pod s1, uid : dial tcp4 127.0.0.1:1: connect: connection refused');
    // A stream without a port is refused outright.
    const bad = await client.stream({ streamType: 'data', requestID: '3' });
    await bad.ended;
    expect(bad.wasReset).toBe(true);
    client.close();
  });
});

