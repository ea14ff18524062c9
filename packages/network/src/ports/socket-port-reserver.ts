// The PortReserver as Docker 20.10 works without its userland proxy: ce's
// own table of allocated host ports (Docker's portallocator), and a bound
// socket per port (Docker's "dummy proxy": a TCP listener, a bound UDP
// socket) held until release, so the kernel refuses the port to any other
// program and another program's port is refused to ce.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, isIPv6, type Server } from 'node:net';
import { CeError, invalidArgument } from '@ce/protocol/errors';
import type { PortProtocol } from '../firewall.js';
import type { HostPortRequest, PortReserver } from '../types.js';

/** The endpoint a reservation is for, named in Docker's error. */
export interface ReservingEndpoint {
  /** The container's name. */
  name: string;
  /** The endpoint's id. */
  id: string;
}

export interface SocketPortReserverOptions {
  /** Where hostPort 0 picks from; default /proc/sys/net/ipv4/ip_local_port_range, as Docker (49153-65535 when unreadable). */
  ephemeralRange?: readonly [number, number];
}

type Held = { close(): void };

interface Reservation {
  key: string;
  held: Held | null;
}

/** Docker's portallocator reads the kernel's ephemeral range once. */
export function kernelEphemeralRange(): [number, number] {
  try {
    const [start, end] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (start && end && start <= end) return [start, end];
  } catch {}
  return [49153, 65535];
}

function anyAddress(hostIp: string): string {
  return hostIp === '' ? '0.0.0.0' : hostIp;
}

/** Go's net.JoinHostPort, as Docker's messages print an address. */
function hostPortText(ip: string, port: number): string {
  return isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The kernel's refusal in Go's words: `listen tcp4 0.0.0.0:8080: bind: address already in use`. */
function bindFailure(protocol: PortProtocol, ip: string, port: number, err: NodeJS.ErrnoException): CeError {
  const words: Record<string, string> = {
    EADDRINUSE: 'address already in use',
    EADDRNOTAVAIL: 'cannot assign requested address',
    EACCES: 'permission denied',
  };
  const family = isIPv6(ip) ? '6' : '4';
  const message = `listen ${protocol}${family} ${hostPortText(ip, port)}: bind: ${words[err.code ?? ''] ?? err.message}`;
  return new CeError('Internal', message, { op: 'bind', errno: err.code, cause: err });
}

function holdTcp(ip: string, port: number): Promise<Held> {
  return new Promise((resolve, reject) => {
    // Connections never arrive while the DNAT is in place; one that does (no rule yet) is closed.
    const server: Server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen({ host: ip, port, exclusive: true, ipv6Only: isIPv6(ip) }, () => {
      server.off('error', reject);
      server.on('error', () => {});
      server.unref();
      resolve({ close: () => server.close() });
    });
  });
}

function holdUdp(ip: string, port: number): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket: UdpSocket = createSocket({ type: isIPv6(ip) ? 'udp6' : 'udp4', ipv6Only: isIPv6(ip) });
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind({ address: ip, port, exclusive: true }, () => {
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      socket.unref();
      resolve({ close: () => socket.close() });
    });
  });
}

export class SocketPortReserver implements PortReserver {
  private readonly ephemeral: readonly [number, number];
  /** `proto/ip/port` → the container holding it. */
  private readonly allocated = new Map<string, string>();
  private readonly byContainer = new Map<string, Reservation[]>();
  /** Where the next pick in a range starts (Docker's allocator goes round, not from the start). */
  private readonly lastPicked = new Map<string, number>();

  constructor(opts: SocketPortReserverOptions = {}) {
    this.ephemeral = opts.ephemeralRange ?? kernelEphemeralRange();
  }

  async reserve(containerId: string, requests: readonly HostPortRequest[], endpoint?: ReservingEndpoint): Promise<HostPortRequest[]> {
    const taken: Reservation[] = [];
    const chosen: HostPortRequest[] = [];
    try {
      for (const req of requests) {
        const { reservation, port } = await this.reserveOne(containerId, req);
        taken.push(reservation);
        chosen.push({ protocol: req.protocol, hostIp: req.hostIp, hostPort: port });
      }
    } catch (err) {
      for (const r of taken) this.free(r);
      if (err instanceof CeError && endpoint) {
        throw new CeError(err.code, `driver failed programming external connectivity on endpoint ${endpoint.name} (${endpoint.id}): ${err.message}`, {
          op: err.op,
          errno: err.errno,
          cause: err,
        });
      }
      throw err;
    }
    const list = this.byContainer.get(containerId) ?? [];
    list.push(...taken);
    this.byContainer.set(containerId, list);
    return chosen;
  }

  async release(containerId: string): Promise<void> {
    for (const r of this.byContainer.get(containerId) ?? []) this.free(r);
    this.byContainer.delete(containerId);
  }

  /** The ports a container holds, as `proto/ip/port` (tests, reconcile). */
  held(containerId: string): string[] {
    return (this.byContainer.get(containerId) ?? []).map((r) => r.key);
  }

  private async reserveOne(containerId: string, req: HostPortRequest): Promise<{ reservation: Reservation; port: number }> {
    const ip = anyAddress(req.hostIp);
    if (!['tcp', 'udp', 'sctp'].includes(req.protocol)) throw invalidArgument(`invalid protocol ${JSON.stringify(req.protocol)}`);
    const start = req.hostPort === 0 ? this.ephemeral[0] : req.hostPort;
    const end = req.hostPort === 0 ? this.ephemeral[1] : (req.hostPortEnd ?? req.hostPort);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 1 || end > 65535 || end < start) {
      throw invalidArgument(`invalid host port range ${req.hostPort}-${req.hostPortEnd ?? req.hostPort}`);
    }
    if (start === end) return { reservation: await this.take(containerId, req.protocol, ip, start), port: start };
    // A range, or any free port: try each in turn from after the last one picked, skipping what is taken.
    const rangeKey = `${req.protocol}/${ip}/${start}-${end}`;
    const size = end - start + 1;
    const first = ((this.lastPicked.get(rangeKey) ?? start - 1) + 1 - start) % size;
    for (let i = 0; i < size; i++) {
      const port = start + ((first + i) % size);
      if (this.allocated.has(`${req.protocol}/${ip}/${port}`)) continue;
      try {
        const reservation = await this.take(containerId, req.protocol, ip, port);
        this.lastPicked.set(rangeKey, port);
        return { reservation, port };
      } catch (err) {
        if ((err as CeError).errno !== 'EADDRINUSE') throw err;
      }
    }
    throw new CeError('Internal', 'all ports are allocated');
  }

  private async take(containerId: string, protocol: PortProtocol, ip: string, port: number): Promise<Reservation> {
    const key = `${protocol}/${ip}/${port}`;
    if (this.allocated.has(key)) throw new CeError('Internal', `Bind for ${hostPortText(ip, port)} failed: port is already allocated`, { errno: 'EADDRINUSE' });
    this.allocated.set(key, containerId);
    try {
      // Node has no SCTP sockets: an SCTP port is held in ce's table only.
      const held = protocol === 'tcp' ? await holdTcp(ip, port) : protocol === 'udp' ? await holdUdp(ip, port) : null;
      return { key, held };
    } catch (err) {
      this.allocated.delete(key);
      throw bindFailure(protocol, ip, port, err as NodeJS.ErrnoException);
    }
  }

  private free(r: Reservation): void {
    r.held?.close();
    this.allocated.delete(r.key);
  }
}
