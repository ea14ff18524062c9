// PortForward over SPDY, as the kubelet's portforward server: the client
// opens a pair of streams per connection (streamType "error" and "data",
// the same port and requestID headers); the server dials the port in the pod
// and pipes the data stream to it both ways, writing a failure's message on
// the error stream. A stream with bad headers is refused (RST_STREAM).
import type { Duplex } from 'node:stream';
import type { OutputQueue } from '@ce/protocol';
import type { SpdyServerConnection, SpdyStream } from './spdy-connection.js';

export const PORT_FORWARD_PROTOCOLS = ['portforward.k8s.io'];
/** How long a connection whose client stopped sending waits for the pod's side to finish (containerd's 1 s). */
const HALF_CLOSE_GRACE_MS = 1000;

/** A connection to `port` inside the pod; rejects with the reason it could not connect. */
export type PortDialer = (port: number) => Promise<Duplex>;

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** The reason a stream's headers are refused (httpStreamReceived's words), or undefined. */
export function streamHeaderProblem(stream: Pick<SpdyStream, 'header'>): string | undefined {
  const port = stream.header('port');
  if (!port) return '"port" header is required';
  if (!/^\d+$/.test(port) || Number(port) > 65535) return `unable to parse "${port}" as a port: strconv.ParseUint: parsing "${port}": invalid syntax`;
  if (Number(port) < 1) return `port "${port}" must be > 0`;
  const type = stream.header('streamType');
  if (!type) return '"streamType" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
  return undefined;
}

/** The pair a stream belongs to: its requestID, or for old clients one made from the stream id. */
function requestIdOf(stream: SpdyStream): string {
  const id = stream.header('requestID');
  if (id) return id;
  return String(stream.header('streamType') === 'error' ? stream.id : stream.id - 2);
}

export async function servePortForward(
  connection: SpdyServerConnection,
  incoming: OutputQueue<SpdyStream>,
  sandboxId: string,
  dial: PortDialer,
  creationTimeoutMs: number,
): Promise<void> {
  const pairs = new Map<string, StreamPair>();
  const forwards: Promise<void>[] = [];
  try {
    for await (const stream of incoming) {
      if (streamHeaderProblem(stream)) {
        await stream.reset();
        continue;
      }
      await stream.reply();
      const requestId = requestIdOf(stream);
      let pair = pairs.get(requestId);
      if (!pair) {
        const created: StreamPair = {
          timer: setTimeout(() => {
            pairs.delete(requestId);
            void created.error?.write(Buffer.from(`(conn=${sandboxId}, request=${requestId}) timed out waiting for streams`)).then(() => created.error?.end());
            void created.data?.reset();
          }, creationTimeoutMs),
        };
        pair = created;
        pairs.set(requestId, pair);
      }
      if (stream.header('streamType') === 'data') pair.data = stream;
      else pair.error = stream;
      if (pair.data && pair.error) {
        clearTimeout(pair.timer);
        pairs.delete(requestId);
        forwards.push(forward(pair.data, pair.error, sandboxId, dial));
      }
    }
  } finally {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    await Promise.allSettled(forwards);
    await connection.close();
  }
}

async function forward(data: SpdyStream, error: SpdyStream, sandboxId: string, dial: PortDialer): Promise<void> {
  const port = Number(data.header('port'));
  let target: Duplex;
  try {
    target = await dial(port);
  } catch (err) {
    await error.write(Buffer.from(`error forwarding port ${port} to pod ${sandboxId}, uid : ${(err as Error).message}`));
    await error.end();
    await data.end();
    return;
  }
  const targetClosed = new Promise<void>((resolve) => target.once('close', () => resolve()));
  target.on('error', () => undefined);
  target.on('data', (chunk: Buffer) => void data.write(chunk));
  target.once('end', () => void data.end());
  const fromClient = (async () => {
    for await (const chunk of data.data) {
      if (!target.write(chunk)) await new Promise((resolve) => target.once('drain', resolve));
    }
    target.end();
  })().catch(() => target.destroy());
  await Promise.race([targetClosed, fromClient.then(() => Promise.race([targetClosed, new Promise((r) => setTimeout(r, HALF_CLOSE_GRACE_MS))]))]);
  target.destroy();
  await data.end();
  await error.end();
}
