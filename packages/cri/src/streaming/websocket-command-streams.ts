// An exec's or attach's streams over a WebSocket, as the kubelet's wsstream
// serves them: every message starts with its channel (0 stdin, 1 stdout,
// 2 stderr, 3 error, 4 resize), as a byte for the binary protocols or an
// ASCII digit before base64 text for the base64 ones; v5 adds the client's
// close of a channel (255, then the channel). The first message is an empty
// one on the lowest channel the server writes, so the client knows it is
// connected; the end is metav1.Status JSON on channel 3 for v4/v5, bare text
// before.
import type { WebSocket } from 'ws';
import { OutputQueue } from '@ce/protocol';
import { terminalSizes, type CommandStreams, type StreamOptions } from './command-streams.js';
import { statusJson, statusText } from './exec-status.js';

/** The subprotocols served; '' is what a client that asks for none gets (binary, v1). */
export const WEBSOCKET_COMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
/** v5: the client closes one of its channels. */
const CLOSE = 255;
/** Past this many bytes queued on the socket, output waits for them to be written. */
const HIGH_WATER = 1024 * 1024;

/** The first of the client's subprotocols this server speaks (wsstream's order), '' for none offered, undefined for no match. */
export function chooseWebSocketProtocol(offered: readonly string[], served: readonly string[] = WEBSOCKET_COMMAND_PROTOCOLS): string | undefined {
  if (offered.length === 0) return '';
  return offered.find((p) => served.includes(p));
}

export function websocketCommandStreams(socket: WebSocket, protocol: string, options: StreamOptions): CommandStreams {
  const base64 = protocol.includes('base64');
  const v4 = protocol.startsWith('v4.') || protocol.startsWith('v5.');
  const v5 = protocol.startsWith('v5.');
  const stdin = new OutputQueue<Buffer>();
  const resizeBytes = new OutputQueue<Buffer>();
  const send = async (channel: number, data: Buffer): Promise<void> => {
    if (socket.readyState !== socket.OPEN) return;
    const message = base64 ? `${channel}${data.toString('base64')}` : Buffer.concat([Buffer.from([channel]), data]);
    if (socket.bufferedAmount < HIGH_WATER) return void socket.send(message);
    await new Promise<void>((resolve) => socket.send(message, () => resolve()));
  };
  // A client's protocol error closes the socket (the 'close' below); unhandled, it would throw.
  socket.on('error', () => undefined);
  socket.on('message', (message: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const raw = Buffer.isBuffer(message) ? message : Array.isArray(message) ? Buffer.concat(message) : Buffer.from(message);
    let channel: number;
    let payload: Buffer;
    if (base64 && !isBinary) {
      channel = raw[0]! - 0x30;
      payload = Buffer.from(raw.subarray(1).toString('latin1'), 'base64');
    } else {
      if (raw.length === 0) return;
      channel = raw[0]!;
      payload = raw.subarray(1);
    }
    if (v5 && channel === CLOSE) {
      if (payload[0] === STDIN) stdin.end();
      if (payload[0] === RESIZE) resizeBytes.end();
    } else if (channel === STDIN && options.stdin) stdin.push(payload);
    else if (channel === RESIZE) resizeBytes.push(payload);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closed.then(() => {
    stdin.end();
    resizeBytes.end();
  });
  void send(options.stdout ? STDOUT : options.stderr ? STDERR : ERROR, Buffer.alloc(0));
  return {
    ...(options.stdin ? { stdin } : {}),
    ...(options.stdout ? { stdout: (data: Buffer) => send(STDOUT, data) } : {}),
    ...(options.stderr ? { stderr: (data: Buffer) => send(STDERR, data) } : {}),
    ...(options.tty ? { resize: terminalSizes(resizeBytes) } : {}),
    async finish(status) {
      const text = v4 ? statusJson(status) : statusText(status);
      if (text) await send(ERROR, Buffer.from(text));
      if (socket.readyState === socket.OPEN) socket.close(1000);
      await closed;
    },
    closed,
  };
}
