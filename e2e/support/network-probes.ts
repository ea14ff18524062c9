// What the network e2e tests look at: HTTP from the host with bounded
// retries, bounded polls, the host's own address, a test daemon's iptables
// rules and the veths on a bridge. Traffic goes only to loopback, the host's
// own address and the tests' containers.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { networkInterfaces } from 'node:os';

/** One GET; rejects on any error or after `timeoutMs`. */
export function httpGetOnce(host: string, port: number, path: string, timeoutMs = 2000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = request({ host, port, path, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}${path} timed out`)));
    req.end();
  });
}

/** GET http://<host>:<port><path>, retried until the server answers (bounded). */
export async function httpGet(host: string, port: number, path: string, withinMs = 10_000): Promise<string> {
  return poll(() => httpGetOnce(host, port, path), withinMs);
}

/** `attempt` until it resolves, retried every 50 ms for at most `withinMs`; its last error otherwise. */
export async function poll<T>(attempt: () => Promise<T>, withinMs = 10_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The IPv4 address of the host's own interface (eth0, else the first non-loopback one that is not a bridge of ce). */
export function hostAddress(): string | undefined {
  const ifs = networkInterfaces();
  const candidates = ['eth0', ...Object.keys(ifs).filter((n) => n !== 'lo' && !/^(ce|veth|docker|br-)/.test(n))];
  for (const name of candidates) {
    const v4 = ifs[name]?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return undefined;
}

/** A TCP port that was free on every address a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '0.0.0.0', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The rules of `iptables-save` (`-A …` lines) of the chains whose names start with `prefix`, jumps to them included. */
export function iptablesRules(prefix: string): string[] {
  const save = execFileSync('iptables-save', { encoding: 'utf8' });
  const lines: string[] = [];
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith('-A ') && line.includes(prefix)) lines.push(`${table} ${line}`);
  }
  return lines;
}

/** The lines that appear more than once in `lines`. */
export function duplicates(lines: readonly string[]): string[] {
  const seen = new Set<string>();
  return lines.filter((l) => (seen.has(l) ? true : (seen.add(l), false)));
}

export const vethsOnBridge = (bridge: string): string[] =>
  existsSync(`/sys/class/net/${bridge}/brif`) ? readdirSync(`/sys/class/net/${bridge}/brif`) : [];

export interface TestDnsServer {
  /** Where it listens: a loopback address of its own, port 53. */
  address: string;
  /** The names it was asked, in order. */
  asked: string[];
  close(): Promise<void>;
}

/**
 * A DNS server of the test on a loopback address of its own (port 53, UDP),
 * answering every A question with `answer`: an upstream that ced's embedded
 * DNS servers may forward to (a container's --dns) without anything leaving the host.
 */
export async function testDnsServer(answer: string): Promise<TestDnsServer> {
  const address = `127.53.${(process.pid >> 8) & 255}.${process.pid & 255}`;
  const asked: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (message, from) => {
    try {
      const query = dnsPacket.decode(message);
      const question = query.questions?.[0];
      if (!question) return;
      asked.push(question.name);
      const answers = question.type === 'A' ? [{ type: 'A' as const, name: question.name, ttl: 60, data: answer }] : [];
      socket.send(dnsPacket.encode({ id: query.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: [question], answers }), from.port, from.address);
    } catch {
      // not a DNS query
    }
  });
  await new Promise<void>((resolve, reject) => socket.once('error', reject).bind(53, address, () => resolve()));
  return { address, asked, close: () => new Promise((r) => socket.close(() => r())) };
}
