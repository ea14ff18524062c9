// Forwarding a query to the upstream resolvers, as libnetwork's resolver
// does: up to three servers in order, each bounded by a timeout; SERVFAIL,
// REFUSED, other errors and a non-authoritative NXDOMAIN try the next server;
// the last answer received is the one given. A truncated UDP answer is asked
// again over TCP.
import { createSocket } from 'node:dgram';
import { isIP, connect as tcpConnect } from 'node:net';
import { invalidArgument } from '@ce/protocol/errors';

export interface Upstream {
  address: string;
  port: number;
}

export type Transport = 'udp' | 'tcp';

/** As libnetwork: at most three servers are tried. */
export const MAX_UPSTREAMS = 3;
const TC_BIT = 1 << 9;
const AA_BIT = 1 << 10;
const RCODE = { NOERROR: 0, NXDOMAIN: 3 } as const;

/** `1.2.3.4`, `1.2.3.4:5353`, `::1` or `[::1]:5353`; the port defaults to `defaultPort`. */
export function parseUpstream(spec: string, defaultPort = 53): Upstream {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  const v4WithPort = /^([\d.]+):(\d+)$/.exec(spec);
  const [address, port] = bracketed ? [bracketed[1]!, bracketed[2]] : v4WithPort ? [v4WithPort[1]!, v4WithPort[2]] : [spec, undefined];
  const portNumber = port === undefined ? defaultPort : Number(port);
  if (isIP(address) === 0 || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    throw invalidArgument(`upstream DNS server "${spec}" is not an address with an optional port`);
  }
  return { address, port: portNumber };
}

function header(message: Buffer): { id: number; flags: number } | undefined {
  return message.length >= 12 ? { id: message.readUInt16BE(0), flags: message.readUInt16BE(2) } : undefined;
}

/** A response to `query`: same id, QR set. */
function answers(query: Buffer, message: Buffer): boolean {
  const q = header(query);
  const r = header(message);
  return !!q && !!r && q.id === r.id && (r.flags & 0x8000) !== 0;
}

export function isTruncated(message: Buffer): boolean {
  return ((header(message)?.flags ?? 0) & TC_BIT) !== 0;
}

/** The settling function of one exchange: the first outcome (or the timeout) wins, and the socket goes. */
function settleOnce(
  resolve: (message: Buffer) => void,
  reject: (err: Error) => void,
  timeoutMs: number,
  timeoutMessage: string,
  release: () => void,
): (err: Error | undefined, message?: Buffer) => void {
  let finished = false;
  const done = (err: Error | undefined, message?: Buffer) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    release();
    if (err) reject(err);
    else resolve(message!);
  };
  const timer = setTimeout(() => done(new Error(timeoutMessage)), timeoutMs);
  return done;
}

export function exchangeUdp(server: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(server.address) === 6 ? 'udp6' : 'udp4');
    const done = settleOnce(resolve, reject, timeoutMs, `no answer from ${server.address}:${server.port} in ${timeoutMs} ms`, () => socket.close());
    socket.on('error', (err) => done(err));
    // Connected: the kernel drops datagrams from anyone else.
    socket.on('message', (message) => {
      if (answers(query, message)) done(undefined, message);
    });
    socket.connect(server.port, server.address, () => socket.send(query));
  });
}

export function exchangeTcp(server: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: server.address, port: server.port });
    let received = Buffer.alloc(0);
    const done = settleOnce(resolve, reject, timeoutMs, `no answer from ${server.address}:${server.port} over TCP in ${timeoutMs} ms`, () => socket.destroy());
    socket.on('error', (err) => done(err));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const size = received.readUInt16BE(0);
      if (received.length < 2 + size) return;
      const message = received.subarray(2, 2 + size);
      if (answers(query, message)) done(undefined, message);
      else done(new Error(`${server.address}:${server.port} answered another query over TCP`));
    });
    socket.on('end', () => done(new Error(`${server.address}:${server.port} closed the TCP connection without an answer`)));
  });
}

export interface ForwardOptions {
  timeoutMs: number;
}

/** One server: UDP, asked again over TCP when the answer is truncated (the truncated one is kept if TCP fails). */
async function exchange(server: Upstream, query: Buffer, transport: Transport, options: ForwardOptions): Promise<Buffer> {
  if (transport === 'tcp') return exchangeTcp(server, query, options.timeoutMs);
  const udp = await exchangeUdp(server, query, options.timeoutMs);
  if (!isTruncated(udp)) return udp;
  return exchangeTcp(server, query, options.timeoutMs).catch(() => udp);
}

/**
 * The upstream answer to `query` (raw bytes, the client's id kept), or
 * undefined when no server answered at all.
 */
export async function forwardQuery(
  query: Buffer,
  servers: readonly Upstream[],
  transport: Transport,
  options: ForwardOptions,
): Promise<Buffer | undefined> {
  let last: Buffer | undefined;
  for (const server of servers.slice(0, MAX_UPSTREAMS)) {
    let response: Buffer;
    try {
      response = await exchange(server, query, transport, options);
    } catch {
      continue;
    }
    last = response;
    const flags = header(response)!.flags;
    const rcode = flags & 0xf;
    if (rcode === RCODE.NOERROR) return response;
    if (rcode === RCODE.NXDOMAIN && (flags & AA_BIT) !== 0) return response;
  }
  return last;
}
