// Issue 10: `ce network …` and `ce port` against a real ced, with Docker
// 20.10's output and words. Each run uses its own network names, bridge names
// and subnets (from the pid), and removes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';

const tag = `${process.pid}`;
const octet = process.pid % 250;
const net = (name: string) => `ce-e2e-${name}-${tag}`;
const bridge = (n: number) => `cee${n}${tag}`.slice(0, 15);

let daemon: TestDaemon;
const networks: string[] = [];
const containers: string[] = [];

const run = (args: string[], input?: string) => ce(args, { socket: daemon.socket, input });

beforeAll(async () => {
  daemon = await startTestDaemon();
  await importBusyboxImage(daemon.socket);
});

afterAll(async () => {
  if (daemon) {
    for (const c of containers) await run(['rm', '-f', c]);
    for (const n of networks) await run(['network', 'rm', n]);
    await daemon.dispose();
  }
});

/** Creates a network of this run (removed after), on its own bridge and subnet. */
async function createNetwork(name: string, n: number, extra: string[] = []) {
  networks.push(name);
  return run(['network', 'create', '--subnet', `10.23${n}.${octet}.0/24`, '-o', `com.docker.network.bridge.name=${bridge(n)}`, ...extra, name]);
}

describe('ce network', () => {
  it('creates, lists, inspects and removes a network', async () => {
    const name = net('a');
    const created = await createNetwork(name, 1, ['--gateway', `10.231.${octet}.1`, '--label', `ce.test=${tag}`]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const ls = await run(['network', 'ls']);
    expect(ls.stdout.split('\n')[0]).toMatch(/^NETWORK ID +NAME +DRIVER +SCOPE$/);
    expect(ls.stdout).toMatch(new RegExp(`\\n${id.slice(0, 12)} +${name} +bridge +local\\n`));
    expect((await run(['network', 'ls', '-q', '-f', `label=ce.test=${tag}`])).stdout).toBe(`${id.slice(0, 12)}\n`);

    const inspected = await run(['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{index .Labels "ce.test"}}', name]);
    expect(inspected).toEqual({ code: 0, stdout: `${name} bridge 10.231.${octet}.0/24 10.231.${octet}.1 ${tag}\n`, stderr: '' });
    const json = JSON.parse((await run(['network', 'inspect', id.slice(0, 12)])).stdout) as Array<Record<string, unknown>>;
    expect(Object.keys(json[0]!)).toEqual(['Name', 'Id', 'Created', 'Scope', 'Driver', 'EnableIPv6', 'IPAM', 'Internal', 'Attachable', 'Ingress', 'ConfigFrom', 'ConfigOnly', 'Containers', 'Options', 'Labels']);

    expect(await run(['network', 'rm', name])).toEqual({ code: 0, stdout: `${name}\n`, stderr: '' });
    expect(await run(['network', 'rm', name])).toEqual({ code: 1, stdout: '', stderr: `ce: Error: No such network: ${name}\n` });
    expect(await run(['network', 'inspect', name])).toEqual({ code: 1, stdout: '[]\n', stderr: `ce: Error: No such network: ${name}\n` });
  });

  it("refuses what Docker refuses, in Docker's words", async () => {
    expect(await run(['network', 'ls', '-f', 'foo=bar'])).toEqual({ code: 1, stdout: '', stderr: "ce: Error response from daemon: Invalid filter 'foo'\n" });
    expect(await run(['network', 'create', '--gateway', '10.0.0.1', net('x')])).toEqual({ code: 1, stdout: '', stderr: 'ce: every ip-range or gateway must have a corresponding subnet\n' });
    const rm = await run(['network', 'rm', 'host']);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toBe('ce: Error response from daemon: host is a pre-defined network and cannot be removed\n');
  });

  it('prunes the unused networks it is asked to, after asking', async () => {
    const name = net('p');
    expect((await createNetwork(name, 2, ['--label', `ce.prune=${tag}`])).code).toBe(0);
    const declined = await run(['network', 'prune', '--filter', `label=ce.prune=${tag}`], 'n\n');
    expect(declined.stdout).toBe('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ');
    expect((await run(['network', 'ls', '-q', '-f', `name=${name}`])).stdout).not.toBe('');
    expect(await run(['network', 'prune', '-f', '--filter', `label=ce.prune=${tag}`])).toEqual({ code: 0, stdout: `Deleted Networks:\n${name}\n\n`, stderr: '' });
    expect(await run(['network', 'prune', '-f', '--filter', `label=ce.prune=${tag}`])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('runs a container on a network with a published port that ce port shows', async () => {
    const name = net('r');
    expect((await createNetwork(name, 3)).code).toBe(0);
    const c = `ce-e2e-port-${tag}`;
    containers.push(c);
    const started = await run(['run', '-d', '--name', c, '--network', name, '--network-alias', 'web', '-p', '127.0.0.1::80', '--expose', '81', 'busybox', 'sleep', '60']);
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const port = await run(['port', c, '80']);
    expect(port.code).toBe(0);
    expect(port.stdout).toMatch(/^127\.0\.0\.1:\d+\n$/);
    expect((await run(['port', c])).stdout).toBe(`80/tcp -> ${port.stdout}`);
    expect(await run(['port', c, '81'])).toEqual({ code: 1, stdout: '', stderr: `ce: Error: No public port '81/tcp' published for ${c}\n` });
    expect(await run(['port', 'nope-nope'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error: No such container: nope-nope\n' });
    const rm = await run(['network', 'rm', name]);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toMatch(/has active endpoints/);
  });
});
