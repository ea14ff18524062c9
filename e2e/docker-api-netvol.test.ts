// Issue 12: Debian's docker client (20.10) against ced's Docker API for
// networks, volumes, events and system df: `docker network …`, `docker
// volume …`, `docker events` and `docker system df`, with Docker's outputs and
// words. Containers are made with `ce run -d`. Names carry the pid; networks
// get their subnets from the test daemon's own pool, and are removed after.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { DOCKER_CLIENT, dockerCli, dockerClientMissing, dockerSocketOf } from './support/docker-cli.js';
import { httpOverUnix } from '../packages/docker-api/test/support/http-over-unix.js';

const tag = `${process.pid}`;
const name = (what: string) => `ce-dapi-${what}-${tag}`;

describe.skipIf(dockerClientMissing !== '')(`the Docker API's networks, volumes, events and system df with the docker CLI ${dockerClientMissing}`, () => {
  let daemon: TestDaemon;
  const containers: string[] = [];
  const networks: string[] = [];
  const volumes: string[] = [];
  const docker = (args: string[]) => dockerCli(args, { daemon });
  const run = (args: string[]) => ce(args, { socket: daemon.socket });

  beforeAll(async () => {
    daemon = await startTestDaemon();
    await importBusyboxImage(daemon.socket);
  });

  afterAll(async () => {
    if (!daemon) return;
    for (const c of containers) await run(['rm', '-f', c]);
    for (const n of networks) await run(['network', 'rm', n]);
    for (const v of volumes) await run(['volume', 'rm', '-f', v]);
    await daemon.dispose();
  });

  /** A container of this run, sleeping, made by ce (the containers endpoints are another helper's). */
  async function sleeper(what: string, extra: string[] = []): Promise<string> {
    const c = name(what);
    containers.push(c);
    const r = await run(['run', '-d', '--name', c, ...extra, 'busybox', 'sleep', '300']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return r.stdout.trim();
  }

  it('docker network create, ls, inspect and rm', async () => {
    const n = name('net');
    networks.push(n);
    const created = await docker(['network', 'create', '--label', `ce.test=${tag}`, '--internal', n]);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await docker(['network', 'ls', '--no-trunc', '--filter', `label=ce.test=${tag}`, '--format', '{{.ID}} {{.Name}} {{.Driver}} {{.Scope}}'])).toEqual({ code: 0, stdout: `${id} ${n} bridge local\n`, stderr: '' });
    const inspected = await docker(['network', 'inspect', '--format', '{{.Name}} {{.Internal}} {{.Labels}} {{(index .IPAM.Config 0).Subnet}}', n]);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toMatch(new RegExp(`^${n} true map\\[ce.test:${tag}\\] \\d+\\.\\d+\\.\\d+\\.0/24\\n$`));
    // The docker CLI sends CheckDuplicate: a name taken is dockerd's 409.
    expect(await docker(['network', 'create', n])).toEqual({ code: 1, stdout: '', stderr: `Error response from daemon: network with name ${n} already exists\n` });
    expect(await docker(['network', 'rm', n])).toEqual({ code: 0, stdout: `${n}\n`, stderr: '' });
    expect(await docker(['network', 'inspect', n])).toEqual({ code: 1, stdout: '[]\n', stderr: `Error: No such network: ${n}\n` });
  });

  it("refuses the predefined networks and bad bodies with dockerd's statuses and words", async () => {
    expect(await docker(['network', 'rm', 'bridge'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: bridge is a pre-defined network and cannot be removed\n' });
    expect(await docker(['network', 'create', 'host'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: operation is not permitted on predefined host network\n' });
    const sock = dockerSocketOf(daemon);
    expect(await httpOverUnix(sock, 'DELETE', '/v1.41/networks/none')).toMatchObject({ status: 403 });
    const badType = await httpOverUnix(sock, 'POST', '/v1.41/networks/create', { json: { Name: 'x', IPAM: { Config: [{ Subnet: 3 }] } } });
    expect(badType.status).toBe(400);
    expect(JSON.parse(badType.body)).toEqual({ message: 'json: cannot unmarshal number into Go struct field IPAMConfig.IPAM.Config.Subnet of type string' });
    const badFilter = await httpOverUnix(sock, 'GET', `/v1.41/networks?filters=${encodeURIComponent('{"bogus":["a"]}')}`);
    expect(badFilter.status).toBe(400);
    expect(JSON.parse(badFilter.body)).toEqual({ message: "Invalid filter 'bogus'" });
  });

  it('creates a network with an IPAM config over the API, 201 with the id, and answers inspect with a scope', async () => {
    const n = name('ipam');
    networks.push(n);
    const sock = dockerSocketOf(daemon);
    const created = await httpOverUnix(sock, 'POST', '/v1.41/networks/create', { json: { Name: n, CheckDuplicate: true, Driver: 'bridge', Attachable: true, Labels: { a: 'b' } } });
    expect(created.status).toBe(201);
    const { Id, Warning } = JSON.parse(created.body) as { Id: string; Warning: string };
    expect(Warning).toBe('');
    const local = await httpOverUnix(sock, 'GET', `/v1.41/networks/${Id}?verbose=true&scope=local`);
    expect(local.status).toBe(200);
    expect(JSON.parse(local.body)).toMatchObject({ Name: n, Id, Scope: 'local', Driver: 'bridge', Attachable: true, Labels: { a: 'b' } });
    const swarm = await httpOverUnix(sock, 'GET', `/v1.41/networks/${Id}?scope=swarm`);
    expect(swarm.status).toBe(404);
    expect(JSON.parse(swarm.body)).toEqual({ message: `network ${Id} not found` });
  });

  it('docker network connect and disconnect a running container, with an alias; rm refuses a network in use', async () => {
    const n = name('conn');
    networks.push(n);
    expect((await docker(['network', 'create', n])).code).toBe(0);
    const id = await sleeper('conn');
    expect(await docker(['network', 'connect', '--alias', 'web', n, name('conn')])).toEqual({ code: 0, stdout: '', stderr: '' });
    const members = await docker(['network', 'inspect', '--format', '{{range $id, $c := .Containers}}{{$id}} {{$c.Name}}{{end}}', n]);
    expect(members).toEqual({ code: 0, stdout: `${id} ${name('conn')}\n`, stderr: '' });
    const aliases = await run(['inspect', '--format', `{{json (index .NetworkSettings.Networks "${n}").Aliases}}`, name('conn')]);
    expect(aliases.stdout).toContain('"web"');
    expect(await docker(['network', 'connect', n, name('conn')])).toEqual({ code: 1, stdout: '', stderr: `Error response from daemon: endpoint with name ${name('conn')} already exists in network ${n}\n` });
    const busy = await docker(['network', 'rm', n]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(new RegExp(`^Error response from daemon: error while removing network: network ${n} id [0-9a-f]{64} has active endpoints\\n$`));
    expect(await docker(['network', 'disconnect', n, name('conn')])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await docker(['network', 'inspect', '--format', '{{len .Containers}}', n])).stdout).toBe('0\n');
    expect(await docker(['network', 'connect', n, 'ce-dapi-nosuch'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: No such container: ce-dapi-nosuch\n' });
    expect((await docker(['network', 'rm', n])).code).toBe(0);
  });

  it('docker network prune removes the unused networks its filter picks', async () => {
    const n = name('prune');
    networks.push(n);
    expect((await docker(['network', 'create', '--label', `ce.prune=${tag}`, n])).code).toBe(0);
    expect(await docker(['network', 'prune', '-f', '--filter', `label=ce.prune=${tag}`])).toEqual({ code: 0, stdout: `Deleted Networks:\n${n}\n\n`, stderr: '' });
    expect(await docker(['network', 'prune', '-f', '--filter', `label=ce.prune=${tag}`])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('docker volume create, ls, inspect, rm and prune; a volume in use is refused', async () => {
    const v = name('vol');
    volumes.push(v);
    expect(await docker(['volume', 'create', '--label', `ce.test=${tag}`, v])).toEqual({ code: 0, stdout: `${v}\n`, stderr: '' });
    expect(await docker(['volume', 'ls', '--filter', `label=ce.test=${tag}`, '--format', '{{.Driver}} {{.Name}}'])).toEqual({ code: 0, stdout: `local ${v}\n`, stderr: '' });
    const inspected = await docker(['volume', 'inspect', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}} {{.Mountpoint}}', v]);
    expect(inspected).toEqual({ code: 0, stdout: `${v} local local map[ce.test:${tag}] ${daemon.root}/volumes/${v}/_data\n`, stderr: '' });
    const id = await sleeper('vol', ['-v', `${v}:/data`]);
    expect(await docker(['volume', 'rm', v])).toEqual({ code: 1, stdout: '', stderr: `Error response from daemon: remove ${v}: volume is in use - [${id}]\n` });
    expect(await docker(['volume', 'rm', '-f', v])).toEqual({ code: 1, stdout: '', stderr: `Error response from daemon: remove ${v}: volume is in use - [${id}]\n` });
    expect(await docker(['volume', 'prune', '-f', '--filter', `label=ce.test=${tag}`])).toEqual({ code: 0, stdout: 'Total reclaimed space: 0B\n', stderr: '' });
    expect((await run(['rm', '-f', name('vol')])).code).toBe(0);
    expect(await docker(['volume', 'prune', '-f', '--filter', `label=ce.test=${tag}`])).toEqual({ code: 0, stdout: `Deleted Volumes:\n${v}\n\nTotal reclaimed space: 0B\n`, stderr: '' });
    expect(await docker(['volume', 'inspect', v])).toEqual({ code: 1, stdout: '[]\n', stderr: `Error: No such volume: ${v}\n` });
    expect(await docker(['volume', 'rm', v])).toEqual({ code: 1, stdout: '', stderr: `Error: No such volume: ${v}\n` });
    // The client words a 404 itself; the reply's own words are dockerd's.
    expect(JSON.parse((await httpOverUnix(dockerSocketOf(daemon), 'DELETE', `/v1.41/volumes/${v}`)).body)).toEqual({ message: `get ${v}: no such volume` });
    expect(await docker(['volume', 'rm', '-f', v])).toEqual({ code: 0, stdout: `${v}\n`, stderr: '' });
  });

  it('POST /volumes/create is a 201 with the volume; a bad name is a 400', async () => {
    const sock = dockerSocketOf(daemon);
    const v = name('api');
    volumes.push(v);
    const created = await httpOverUnix(sock, 'POST', '/v1.41/volumes/create', { json: { Name: v, Labels: { k: 'v' } } });
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({ Name: v, Driver: 'local', Labels: { k: 'v' }, Scope: 'local' });
    const listed = JSON.parse((await httpOverUnix(sock, 'GET', '/v1.41/volumes')).body) as { Volumes: { Name: string }[]; Warnings: unknown };
    expect(listed.Warnings).toBeNull();
    expect(listed.Volumes.map((x) => x.Name)).toContain(v);
    const bad = await httpOverUnix(sock, 'POST', '/v1.41/volumes/create', { json: { Name: 'bad/name' } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toMatch(/^create bad\/name: "bad\/name" includes invalid characters for a local volume name/);
  });

  it('docker events --since/--until replays the kept events its filter picks, in Docker\'s line', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const v = name('ev');
    volumes.push(v);
    expect((await docker(['volume', 'create', v])).code).toBe(0);
    expect((await docker(['volume', 'rm', v])).code).toBe(0);
    const until = Math.ceil(Date.now() / 1000) + 1;
    const r = await docker(['events', '--since', String(since), '--until', String(until), '--filter', 'type=volume', '--filter', `volume=${v}`]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual([`volume create ${v} (driver=local)`, `volume destroy ${v} (driver=local)`]);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) /);
    const json = await docker(['events', '--since', String(since), '--until', String(until), '--filter', `volume=${v}`, '--format', '{{json .}}']);
    const first = JSON.parse(json.stdout.split('\n')[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ Type: 'volume', Action: 'create', Actor: { ID: v, Attributes: { driver: 'local' } }, scope: 'local' });
    expect(String(first.timeNano)).toMatch(new RegExp(`^${first.time}\\d{9}$`));
  });

  it('GET /events streams a container\'s events with the old status, id and from; a bad bound is a 400', async () => {
    const sock = dockerSocketOf(daemon);
    const since = (Date.now() / 1000 - 1).toFixed(3);
    const id = await sleeper('ev');
    const until = (Date.now() / 1000 + 1).toFixed(3);
    const r = await httpOverUnix(sock, 'GET', `/v1.41/events?since=${since}&until=${until}&filters=${encodeURIComponent(JSON.stringify({ container: [id] }))}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const events = r.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.Action)).toEqual(expect.arrayContaining(['create', 'start']));
    expect(events.find((e) => e.Action === 'start')).toMatchObject({ status: 'start', id, from: 'busybox', Type: 'container', Actor: { ID: id, Attributes: { image: 'busybox', name: name('ev') } }, scope: 'local' });
    const bad = await httpOverUnix(sock, 'GET', '/v1.41/events?since=20&until=10');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ message: '`since` time (20) cannot be after `until` time (10)' });
  });

  it('docker system df counts the images, a running container and its volume as dockerd does', async () => {
    const v = name('df');
    volumes.push(v);
    const id = await sleeper('df', ['-v', `${v}:/data`]);
    expect((await run(['exec', name('df'), 'sh', '-c', 'head -c 5000 /dev/zero > /data/f'])).code).toBe(0);
    const table = await docker(['system', 'df']);
    expect(table.code).toBe(0);
    const rows = Object.fromEntries(table.stdout.trim().split('\n').slice(1).map((l) => [l.slice(0, 16).trim(), l.slice(16).trim().split(/\s+/)]));
    expect(Number(rows.Images![0])).toBeGreaterThanOrEqual(2); // busybox and the embedded hello-world
    expect(Number(rows.Images![1])).toBeGreaterThanOrEqual(1);
    expect(Number(rows.Containers![1])).toBeGreaterThanOrEqual(1);
    expect(rows['Build Cache']).toEqual(['0', '0', '0B', '0B']);
    const verbose = await docker(['system', 'df', '-v']);
    expect(verbose.code).toBe(0);
    expect(verbose.stdout).toMatch(/^busybox\s+latest\s+[0-9a-f]{12}\s/m);
    expect(verbose.stdout).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+"sleep 300"\\s+1\\s+.*Up .*${name('df')}$`, 'm'));
    expect(verbose.stdout).toMatch(new RegExp(`^${v}\\s+1\\s+5kB$`, 'm'));
    const api = JSON.parse((await httpOverUnix(dockerSocketOf(daemon), 'GET', '/v1.41/system/df')).body) as { Volumes: { Name: string; UsageData: unknown }[]; BuildCache: unknown };
    expect(api.Volumes.find((x) => x.Name === v)?.UsageData).toEqual({ RefCount: 1, Size: 5000 });
    expect(api.BuildCache).toBeNull();
  });

  it('GET /events without until answers with its headers at once, before any event', async () => {
    const status = await headersOfOpenStream(dockerSocketOf(daemon), `/v1.41/events?filters=${encodeURIComponent(JSON.stringify({ volume: [name('none')] }))}`);
    expect(status).toBe(200);
  });

  it('docker events without --until streams what happens next', async () => {
    const v = name('live');
    volumes.push(v);
    // --since covers the time before the client subscribed: the event is replayed or streamed, never missed.
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const child = spawn(DOCKER_CLIENT, ['events', '--since', since, '--filter', `volume=${v}`, '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}'], {
      env: { ...process.env, DOCKER_HOST: `unix://${dockerSocketOf(daemon)}`, DOCKER_CONFIG: `${daemon.dir}/docker-config` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const line = new Promise<string>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out);
        });
      });
      expect((await docker(['volume', 'create', v])).code).toBe(0);
      expect(await line).toBe(`volume create ${v}\n`);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
    }
  });
});

/** The status of a GET whose body never ends (no event comes), read as soon as the headers came; the request is then cut. */
function headersOfOpenStream(socket: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path }, (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => reject(new Error(`GET ${path} sent no headers within 10 s`)));
    req.end();
  });
}
