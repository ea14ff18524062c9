import { isIP } from 'node:net';
import { invalidArgument } from '@ce/protocol';

export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/**
 * One of dockerd's -H values: unix:///path (or a bare path) or
 * tcp://host:port. ced serves the Docker API without TLS, so a TCP listener
 * must be on a loopback address: anything else would hand the host's root to
 * the network.
 */
export function parseListenAddress(value: string): ListenAddress {
  if (value.startsWith('/')) return { kind: 'unix', path: value };
  const m = /^([a-z]+):\/\/(.*)$/.exec(value);
  if (!m) throw invalidArgument(`invalid docker API address ${value}: expected unix:///path or tcp://127.0.0.1:port`);
  const [, scheme, rest] = m;
  if (scheme === 'unix') {
    if (!rest!.startsWith('/')) throw invalidArgument(`invalid docker API address ${value}: the socket path must be absolute`);
    return { kind: 'unix', path: rest! };
  }
  if (scheme !== 'tcp') throw invalidArgument(`invalid docker API address ${value}: only unix:// and tcp:// are served`);
  const hostPort = /^\[?([^\]]*?)\]?:(\d+)$/.exec(rest!);
  if (!hostPort) throw invalidArgument(`invalid docker API address ${value}: tcp:// needs host:port`);
  const host = hostPort[1] === 'localhost' ? '127.0.0.1' : hostPort[1]!;
  const port = Number(hostPort[2]);
  if (port > 65535) throw invalidArgument(`invalid docker API address ${value}: port ${port} is out of range`);
  if (!isLoopback(host)) throw invalidArgument(`invalid docker API address ${value}: ced serves the Docker API over TCP on a loopback address only (it has no TLS)`);
  return { kind: 'tcp', host, port };
}

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}
