// Both ends of DNS on loopback for the embedded server's tests: a client that
// sends from a chosen 127.x address (the "container"), and a fake upstream
// resolver whose answers the test scripts. Nothing leaves the machine.
import { createSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, RecordType } from 'dns-packet';

export interface Server {
  address: string;
  port: number;
}

export interface AskOptions {
  from?: string;
  transport?: 'udp' | 'tcp';
  /** EDNS UDP payload size to advertise. */
  udpSize?: number;
  timeoutMs?: number;
}

export function queryPacket(name: string, type: RecordType, udpSize?: number): Packet {
  return {
    type: 'query',
    id: Math.floor(Math.random() * 65535),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: udpSize ? [{ type: 'OPT', name: '.', udpPayloadSize: udpSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
  };
}

export function rcodeOf(packet: DecodedPacket): number {
  return (packet.flags ?? 0) & 0xf;
}

/** Sends one query; rejects when no answer comes in time. */
export function ask(server: Server, name: string, type: RecordType, options: AskOptions = {}): Promise<DecodedPacket> {
  const message = dnsPacket.encode(queryPacket(name, type, options.udpSize));
  const timeoutMs = options.timeoutMs ?? 2000;
  return options.transport === 'tcp' ? askTcp(server, message, options.from, timeoutMs) : askUdp(server, message, options.from ?? '127.0.0.1', timeoutMs);
}

function askUdp(server: Server, message: Buffer, from: string, timeoutMs: number): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP answer from ${server.address}:${server.port} in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(reply));
    });
    socket.bind({ address: from, port: 0 }, () => socket.send(message, server.port, server.address));
  });
}

function askTcp(server: Server, message: Buffer, from: string | undefined, timeoutMs: number): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.address, port: server.port, localAddress: from });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP answer from ${server.address}:${server.port} in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => socket.write(dnsPacket.streamEncode(dnsPacket.decode(message))));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(dnsPacket.decode(received.subarray(2, 2 + received.readUInt16BE(0))));
      }
    });
  });
}

export interface ScriptedReply {
  answers?: Answer[];
  rcode?: number;
  authoritative?: boolean;
  truncated?: boolean;
  /** Send nothing. */
  silent?: boolean;
}

export type Script = (question: { name: string; type: string }, transport: 'udp' | 'tcp') => ScriptedReply;

/** A fake upstream resolver on 127.0.0.1 (UDP and TCP, one port), answering as the script says; it counts what it is asked. */
export class FakeUpstream {
  readonly asked: { name: string; transport: 'udp' | 'tcp' }[] = [];
  private constructor(
    readonly address: string,
    readonly port: number,
    private readonly close_: () => Promise<void>,
  ) {}

  static async start(script: Script, address = '127.0.0.1'): Promise<FakeUpstream> {
    // The same port for UDP and TCP: the kernel picks a free UDP port, which another program may hold
    // for TCP (a client's ephemeral port, in a busy test run); then another pick.
    let udp: ReturnType<typeof createSocket>;
    let tcp: ReturnType<typeof createServer>;
    let port: number;
    for (let attempt = 1; ; attempt++) {
      udp = createSocket('udp4');
      await new Promise<void>((resolve) => udp.bind({ address, port: 0 }, () => resolve()));
      port = udp.address().port;
      tcp = createServer();
      const listening = await new Promise<boolean>((resolve, reject) => {
        tcp.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' && attempt < 20 ? resolve(false) : reject(err)));
        tcp.listen({ host: address, port }, () => resolve(true));
      });
      if (listening) break;
      await new Promise<void>((r) => udp.close(() => r()));
    }
    const sockets = new Set<Socket>();
    const fake: FakeUpstream = new FakeUpstream(address, port, async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    });
    const respond = (message: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined => {
      const query = dnsPacket.decode(message);
      const q = query.questions![0]!;
      fake.asked.push({ name: q.name, transport });
      const r = script({ name: q.name, type: q.type }, transport);
      if (r.silent) return undefined;
      let flags = dnsPacket.RECURSION_AVAILABLE | (query.flags! & dnsPacket.RECURSION_DESIRED) | (r.rcode ?? 0);
      if (r.authoritative) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
      if (r.truncated) flags |= dnsPacket.TRUNCATED_RESPONSE;
      return dnsPacket.encode({ type: 'response', id: query.id, flags, questions: query.questions, answers: r.answers ?? [] });
    };
    udp.on('message', (message, rinfo) => {
      const reply = respond(message, 'udp');
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
    tcp.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
          buffered = buffered.subarray(2 + message.length);
          const reply = respond(message, 'tcp');
          if (reply) {
            const length = Buffer.alloc(2);
            length.writeUInt16BE(reply.length);
            socket.write(Buffer.concat([length, reply]));
          }
        }
      });
    });
    return fake;
  }

  get spec(): string {
    return `${this.address}:${this.port}`;
  }

  close(): Promise<void> {
    return this.close_();
  }
}
