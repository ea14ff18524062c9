// Containers on ce's default bridge network, with the real ce and ced:
// an address from the daemon's subnet, reachable from the host; Docker's
// NetworkSettings; /etc files; nothing left after rm.
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[]) => ce(args, { socket: daemon.socket });

async function runDetached(args: string[]): Promise<string> {
  const r = await run(['run', '-d', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  return id;
}

/** GET http://<ip>:<port><path>, retried until the server listens (bounded). */
async function httpGet(host: string, port: number, path: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const req = request({ host, port, path, timeout: 2000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end();
      });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const vethsOnBridge = (bridge: string) => (existsSync(`/sys/class/net/${bridge}/brif`) ? readdirSync(`/sys/class/net/${bridge}/brif`) : []);

describe('the default bridge network', () => {
  it('gives a container an address on ced\'s own bridge, reachable from the host, with Docker\'s NetworkSettings and /etc files', async () => {
    const id = await runDetached(['busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const c = await inspectContainer(daemon.socket, id);
    const prefix = daemon.network.subnet.replace(/0\/24$/, '');
    const s = c.NetworkSettings;
    expect(c.HostConfig.NetworkMode).toBe('default');
    expect(Object.keys(s.Networks)).toEqual(['bridge']);
    expect(s.IPAddress.startsWith(prefix)).toBe(true);
    expect(s.IPPrefixLen).toBe(24);
    expect(s.Gateway).toBe(`${prefix}1`);
    expect(s.MacAddress).toMatch(/^02:42:(?:[0-9a-f]{2}:){3}[0-9a-f]{2}$/);
    expect(s.SandboxKey).toBe(join(daemon.state, 'netns', id));
    expect(s.Networks.bridge).toMatchObject({ IPAddress: s.IPAddress, Gateway: s.Gateway, MacAddress: s.MacAddress, EndpointID: s.EndpointID });
    expect(s.Networks.bridge!.NetworkID).toMatch(/^[0-9a-f]{64}$/);
    // The host reaches the container on its address; /etc/hostname is the container's.
    expect(await httpGet(s.IPAddress, 80, '/hostname')).toBe(`${c.Config.Hostname}\n`);
    const hosts = await run(['exec', id, 'cat', '/etc/hosts']);
    expect(hosts.stdout).toContain('127.0.0.1\tlocalhost\n');
    expect(hosts.stdout.endsWith(`${s.IPAddress}\t${c.Config.Hostname}\n`)).toBe(true);
    expect(c.HostsPath).toBe(join(daemon.root, 'containers', id, 'hosts'));
    const route = await run(['exec', id, 'ip', 'route']);
    expect(route.stdout).toContain(`default via ${s.Gateway} dev eth0`);
    expect(vethsOnBridge(daemon.network.bridge)).toHaveLength(1);

    expect((await run(['rm', '-f', id])).code).toBe(0);
    expect(vethsOnBridge(daemon.network.bridge)).toEqual([]);
    expect(existsSync(join(daemon.state, 'netns', id))).toBe(false);
  });

  it('clears the addresses of a stopped container and gives them back at start', async () => {
    const id = await runDetached(['busybox', 'sleep', '60']);
    const running = (await inspectContainer(daemon.socket, id)).NetworkSettings;
    expect((await run(['stop', '-t', '0', id])).code).toBe(0);
    const stopped = (await inspectContainer(daemon.socket, id)).NetworkSettings;
    expect(stopped).toMatchObject({ IPAddress: '', SandboxKey: '', Ports: {} });
    expect(stopped.Networks.bridge).toMatchObject({ IPAddress: '', EndpointID: '', NetworkID: running.Networks.bridge!.NetworkID });
    expect(vethsOnBridge(daemon.network.bridge)).toEqual([]);
    expect((await run(['start', id])).code).toBe(0);
    expect((await inspectContainer(daemon.socket, id)).NetworkSettings.IPAddress).toMatch(/^10\./);
    expect((await run(['rm', '-f', id])).code).toBe(0);
  });

  it('--network none: only a loopback device', async () => {
    const r = await run(['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(':')[1]!.trim())).toEqual(['lo']);
  });

  it("--network host: the host's interfaces and hostname", async () => {
    const r = await run(['run', '--rm', '--network', 'host', 'busybox', 'cat', `/sys/class/net/${daemon.network.bridge}/address`]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f:]{17}$/);
  });
});
