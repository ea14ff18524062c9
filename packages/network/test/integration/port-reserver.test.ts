// Real sockets on 127.0.0.1 only: the reserver holds a bound socket per
// published port, refuses a port another program or container holds with
// Docker's words, and leaves nothing reserved when it fails.
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketPortReserver } from '../../src/ports/socket-port-reserver.js';

const LO = '127.0.0.1';
const endpoint = { name: 'web', id: 'e'.repeat(64) };
const reserver = new SocketPortReserver();
const servers: Server[] = [];

function listen(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    servers.push(s);
    s.once('error', reject);
    s.listen({ host: LO, port }, () => resolve((s.address() as { port: number }).port));
  });
}

async function freePort(): Promise<number> {
  const port = await listen();
  await new Promise((r) => servers.pop()!.close(r));
  return port;
}

/** Whether another program can take the port now. */
async function canBind(port: number): Promise<boolean> {
  try {
    await listen(port);
    await new Promise((r) => servers.pop()!.close(r));
    return true;
  } catch {
    servers.pop();
    return false;
  }
}

afterEach(async () => {
  for (const id of ['c1', 'c2']) await reserver.release(id);
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('SocketPortReserver', () => {
  it('holds a published TCP port until release, so no other program takes it', async () => {
    const port = await freePort();
    expect(await reserver.reserve('c1', [{ protocol: 'tcp', hostIp: LO, hostPort: port }])).toEqual([{ protocol: 'tcp', hostIp: LO, hostPort: port }]);
    expect(await canBind(port)).toBe(false);
    await reserver.release('c1');
    expect(await canBind(port)).toBe(true);
  });

  it("refuses another container's port with Docker's words, keeping nothing of the failed request", async () => {
    const [a, b] = [await freePort(), await freePort()];
    await reserver.reserve('c1', [{ protocol: 'tcp', hostIp: LO, hostPort: a }]);
    await expect(
      reserver.reserve(
        'c2',
        [
          { protocol: 'tcp', hostIp: LO, hostPort: b },
          { protocol: 'tcp', hostIp: LO, hostPort: a },
        ],
        endpoint,
      ),
    ).rejects.toThrow(`driver failed programming external connectivity on endpoint web (${endpoint.id}): Bind for ${LO}:${a} failed: port is already allocated`);
    expect(reserver.held('c2')).toEqual([]);
    expect(await canBind(b)).toBe(true);
  });

  it("refuses a port another program holds with Go's bind error, and the same for UDP", async () => {
    const port = await listen();
    await expect(reserver.reserve('c1', [{ protocol: 'tcp', hostIp: LO, hostPort: port }], endpoint)).rejects.toThrow(
      `driver failed programming external connectivity on endpoint web (${endpoint.id}): listen tcp4 ${LO}:${port}: bind: address already in use`,
    );
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind({ address: LO, port: 0 }, () => r()));
    try {
      const uport = udp.address().port;
      await expect(reserver.reserve('c1', [{ protocol: 'udp', hostIp: LO, hostPort: uport }])).rejects.toThrow(
        `listen udp4 ${LO}:${uport}: bind: address already in use`,
      );
    } finally {
      udp.close();
    }
    expect(reserver.held('c1')).toEqual([]);
  });

  it('picks a free port from the kernel ephemeral range for hostPort 0, and from a range past the ports in use', async () => {
    const [{ hostPort }] = await reserver.reserve('c1', [{ protocol: 'tcp', hostIp: LO, hostPort: 0 }]);
    const [lo, hi] = (await import('node:fs')).readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    expect(hostPort).toBeGreaterThanOrEqual(lo!);
    expect(hostPort).toBeLessThanOrEqual(hi!);
    expect(await canBind(hostPort)).toBe(false);

    const start = await freePort();
    await listen(start);
    const picked = await reserver.reserve('c2', [
      { protocol: 'udp', hostIp: LO, hostPort: start, hostPortEnd: start + 20 },
      { protocol: 'tcp', hostIp: LO, hostPort: start, hostPortEnd: start + 20 },
    ]);
    // UDP's start is free (the program holds TCP only); TCP moves past the program's port.
    expect(picked[0]!.hostPort).toBe(start);
    expect(picked[1]!.hostPort).toBeGreaterThan(start);
    expect(picked[1]!.hostPort).toBeLessThanOrEqual(start + 20);
  });
});
