// One network's DNS sockets: UDP and TCP on the same address and port, each
// message handed to a handler. Bounded: a cap on UDP queries in progress
// (past it datagrams are dropped, as a full socket buffer would), on TCP
// connections, one query at a time per connection, and an idle timeout.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { unavailable } from '@ce/protocol/errors';
import type { Transport } from './upstream.js';

export type MessageHandler = (message: Buffer, source: string, transport: Transport) => Promise<Buffer | undefined>;

export interface ListenerLimits {
  maxPendingUdp: number;
  maxTcpConnections: number;
  tcpIdleMs: number;
}

export const DEFAULT_LISTENER_LIMITS: ListenerLimits = { maxPendingUdp: 1024, maxTcpConnections: 128, tcpIdleMs: 10_000 };

/** Attempts at a port both UDP and TCP have free, when the port is chosen by the kernel. */
const EPHEMERAL_ATTEMPTS = 5;

export class DnsListener {
  private pendingUdp = 0;
  private readonly connections = new Set<Socket>();

  private constructor(
    readonly address: string,
    readonly port: number,
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    private readonly handler: MessageHandler,
    private readonly limits: ListenerLimits,
  ) {
    udp.on('message', (message, rinfo) => this.onDatagram(message, rinfo.address, rinfo.port));
    // A send that fails (the client went away) is that client's problem, not the listener's.
    udp.on('error', () => undefined);
    tcp.on('connection', (socket) => this.onConnection(socket));
    tcp.maxConnections = limits.maxTcpConnections;
  }

  /** Listens on address:port (port 0: one the kernel picks, the same for UDP and TCP). */
  static async open(address: string, port: number, handler: MessageHandler, limits = DEFAULT_LISTENER_LIMITS): Promise<DnsListener> {
    for (let attempt = 1; ; attempt++) {
      const udp = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind({ address, port, exclusive: true }, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        throw unavailable(`cannot serve DNS on ${address}:${port}/udp: ${(err as Error).message}`, err);
      }
      const bound = udp.address().port;
      const tcp = createServer({ pauseOnConnect: false });
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ host: address, port: bound, exclusive: true }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        const retry = port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < EPHEMERAL_ATTEMPTS;
        if (retry) continue;
        throw unavailable(`cannot serve DNS on ${address}:${bound}/tcp: ${(err as Error).message}`, err);
      }
      return new DnsListener(address, bound, udp, tcp, handler, limits);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }

  private onDatagram(message: Buffer, address: string, port: number): void {
    if (this.pendingUdp >= this.limits.maxPendingUdp) return;
    this.pendingUdp++;
    this.handler(message, address, 'udp')
      .then((response) => {
        if (response) this.udp.send(response, port, address);
      })
      .catch(() => undefined)
      .finally(() => this.pendingUdp--);
  }

  private onConnection(socket: Socket): void {
    this.connections.add(socket);
    let buffered = Buffer.alloc(0);
    let busy = false;
    // Idle only while no query is being answered (a forward may take several upstream timeouts).
    socket.setTimeout(this.limits.tcpIdleMs, () => {
      if (!busy) socket.destroy();
    });
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    const source = socket.remoteAddress ?? '';
    const next = (): void => {
      if (busy || buffered.length < 2) return;
      const size = buffered.readUInt16BE(0);
      if (buffered.length < 2 + size) return;
      const message = buffered.subarray(2, 2 + size);
      buffered = buffered.subarray(2 + size);
      busy = true;
      socket.pause();
      this.handler(message, source, 'tcp')
        .then((response) => {
          if (!response || socket.destroyed) return;
          const length = Buffer.alloc(2);
          length.writeUInt16BE(response.length);
          socket.write(Buffer.concat([length, response]));
        })
        .catch(() => socket.destroy())
        .finally(() => {
          busy = false;
          if (!socket.destroyed) socket.resume();
          next();
        });
    };
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      // One frame is at most 2 + 65535 bytes; a client sending more while a query is handled is paused.
      next();
    });
  }
}
