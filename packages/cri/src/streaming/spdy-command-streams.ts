// An exec's or attach's streams over SPDY, as the kubelet's remotecommand
// server takes them: the client opens one stream per stdio it asked for plus
// "error" (and "resize" with a terminal, from v3), each typed by its
// streamType header and answered at once; all must come within the creation
// timeout. v4 reports the end as metav1.Status JSON, v1–v3 as bare text, and
// v1 closes stdin at once (Kubernetes 1.0's behaviour).
import type { OutputQueue } from '@ce/protocol';
import { terminalSizes, type CommandStreams, type StreamOptions } from './command-streams.js';
import { statusJson, statusText } from './exec-status.js';
import type { SpdyServerConnection, SpdyStream } from './spdy-connection.js';

/** The remotecommand protocols over SPDY, in the kubelet's order of preference. */
export const SPDY_COMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
/** The kubelet's DefaultStreamCreationTimeout. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';
const TYPES = new Set<string>(['error', 'stdin', 'stdout', 'stderr', 'resize']);

/** `protocol` is the negotiated one; '' (a client that offered none) is v1. */
export async function spdyCommandStreams(
  connection: SpdyServerConnection,
  incoming: OutputQueue<SpdyStream>,
  protocol: string,
  options: StreamOptions,
  creationTimeoutMs = STREAM_CREATION_TIMEOUT_MS,
): Promise<CommandStreams> {
  const version = protocol === '' || protocol === 'channel.k8s.io' ? 1 : Number(protocol[1]);
  const resizes = options.tty && version >= 3;
  const expected = 1 + Number(options.stdin) + Number(options.stdout) + Number(options.stderr) + Number(resizes);
  const streams = new Map<StreamType, SpdyStream>();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), creationTimeoutMs)));
  try {
    const iterator = incoming[Symbol.asyncIterator]();
    let received = 0;
    while (received < expected) {
      const next = await Promise.race([iterator.next(), expired]);
      if (next === 'expired') throw new Error('timed out waiting for client to create streams');
      if (next.done) throw new Error('the client went away before it created its streams');
      const stream = next.value;
      await stream.reply();
      const type = stream.header('streamType');
      // v1 and v2 know no resize stream; an unknown type is answered but not counted, as the kubelet does.
      if (!TYPES.has(type) || (type === 'resize' && version < 3)) continue;
      streams.set(type as StreamType, stream);
      received++;
    }
  } catch (err) {
    await connection.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const stdin = streams.get('stdin');
  const stdout = streams.get('stdout');
  const stderr = streams.get('stderr');
  const error = streams.get('error')!;
  const resize = streams.get('resize');
  return {
    ...(stdin && version > 1 ? { stdin: stdin.data } : {}),
    ...(stdout ? { stdout: (data: Buffer) => stdout.write(data) } : {}),
    ...(stderr ? { stderr: (data: Buffer) => stderr.write(data) } : {}),
    ...(resize ? { resize: terminalSizes(resize.data) } : {}),
    async finish(status) {
      await stdout?.end();
      await stderr?.end();
      const text = version >= 4 ? statusJson(status) : statusText(status);
      if (text) await error.write(Buffer.from(text));
      await error.end();
      await connection.close();
    },
    closed: connection.closed,
  };
}
