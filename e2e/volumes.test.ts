// Issue 11, volumes: data that outlives its container. Named volumes,
// anonymous volumes filled from the image's VOLUME, bind mounts (read-only
// refuses writes), tmpfs, `volume rm` of a volume in use, `rm -v`, and
// nothing left mounted afterwards.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { mountsUnder, processesMentioning } from './support/leaks.js';

const IMAGE = 'ce-e2e/with-volume:v1';
let daemon: TestDaemon;
let hostDir: string;
const run = (args: string[], input?: string) => ce(args, { socket: daemon.socket, input });

beforeAll(async () => {
  daemon = await startTestDaemon();
  hostDir = await mkdtemp(join(tmpdir(), 'ce-e2e-binds-'));
  await importBusyboxImage(daemon.socket);
  const mtime = new Date('2024-01-01T00:00:00Z');
  await importBusyboxImage(daemon.socket, IMAGE, { Volumes: { '/data': {} } }, [
    { name: 'data', type: 'directory', mode: 0o750, uid: 1000, gid: 1000, mtime },
    { name: 'data/hello', data: 'from the image\n', mode: 0o644, mtime },
    { name: 'data/sub', type: 'directory', mode: 0o755, mtime },
    { name: 'data/sub/deep', data: 'deeper\n', mode: 0o600, mtime },
  ]);
}, 120_000);

afterAll(async () => {
  if (!daemon) return;
  await daemon.dispose();
  expect(mountsUnder(daemon.dir)).toEqual([]);
  expect(processesMentioning(daemon.dir)).toEqual([]);
  await rm(hostDir, { recursive: true, force: true });
});

describe('named volumes', () => {
  it('keep data across the removal of their container and show it to the next one', async () => {
    const first = await run(['run', '--name', 'writer', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo kept > /data/file']);
    expect(first).toMatchObject({ code: 0 });
    expect((await run(['rm', 'writer'])).code).toBe(0);
    const second = await run(['run', '--rm', '-v', 'keep:/stored', 'busybox', 'cat', '/stored/file']);
    expect(second).toMatchObject({ code: 0, stdout: 'kept\n' });
    const inspect = JSON.parse((await run(['volume', 'inspect', 'keep'])).stdout) as { Name: string; Driver: string; Mountpoint: string; Scope: string; Labels: unknown; Options: unknown }[];
    expect(inspect[0]).toMatchObject({ Name: 'keep', Driver: 'local', Scope: 'local', Labels: null, Options: null, Mountpoint: join(daemon.root, 'volumes/keep/_data') });
    expect(await readFile(join(daemon.root, 'volumes/keep/_data/file'), 'utf8')).toBe('kept\n');
    // docker inspect finds volumes too, after containers, images and networks.
    expect((await run(['inspect', '--format', '{{.Driver}} {{.Mountpoint}}', 'keep'])).stdout).toBe(`local ${join(daemon.root, 'volumes/keep/_data')}\n`);
    expect((await run(['inspect', '--type', 'volume', '-f', '{{json .Labels}}', 'keep'])).stdout).toBe('null\n');
  });

  it('cannot be removed while a container uses it, with Docker\'s message', async () => {
    const created = await run(['create', '--name', 'holder', '-v', 'held:/h', 'busybox', 'true']);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    const refused = await run(['volume', 'rm', 'held']);
    expect(refused).toMatchObject({ code: 1, stderr: `ce: Error response from daemon: remove held: volume is in use - [${id}]\n` });
    expect((await run(['volume', 'rm', '-f', 'held'])).code).toBe(1);
    expect((await run(['rm', 'holder'])).code).toBe(0);
    expect(await run(['volume', 'rm', 'held'])).toMatchObject({ code: 0, stdout: 'held\n' });
    expect(await run(['volume', 'rm', 'held'])).toMatchObject({ code: 1, stderr: 'ce: Error: No such volume: held\n' });
  });

  it('are listed, filtered and pruned as Docker does', async () => {
    expect((await run(['volume', 'create', '--label', 'team=a', 'labelled'])).stdout).toBe('labelled\n');
    expect((await run(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'small'])).code).toBe(0);
    const ls = await run(['volume', 'ls']);
    expect(ls.stdout.split('\n')[0]).toMatch(/^DRIVER +VOLUME NAME$/);
    expect(ls.stdout).toMatch(/^local +labelled$/m);
    expect((await run(['volume', 'ls', '-q', '--filter', 'label=team=a'])).stdout).toBe('labelled\n');
    expect((await run(['volume', 'ls', '--format', '{{.Name}} {{.Labels}}', '--filter', 'name=labelled'])).stdout).toBe('labelled team=a\n');
    expect(await run(['volume', 'ls', '--filter', 'bogus=1'])).toMatchObject({ code: 1, stderr: "ce: Error response from daemon: Invalid filter 'bogus'\n" });
    const bad = await run(['volume', 'create', 'bad/name']);
    expect(bad.stderr).toContain('Error response from daemon: create bad/name: "bad/name" includes invalid characters for a local volume name');
    // Docker 20.10 prunes unused local volumes without options: "small" (a tmpfs) stays.
    const pruned = await run(['volume', 'prune', '-f', '--filter', 'label=team']);
    expect(pruned).toMatchObject({ code: 0, stdout: 'Deleted Volumes:\nlabelled\n\nTotal reclaimed space: 0B\n' });
    expect((await run(['volume', 'ls', '-q'])).stdout).toContain('small\n');
  });

  it('publish Docker\'s volume events (create, mount, unmount, destroy)', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const r = await run(['run', '--name', 'evented', '-v', 'evvol:/e', 'busybox', 'true']);
    expect(r.code).toBe(0);
    const id = (await run(['inspect', '--format', '{{.Id}}', 'evented'])).stdout.trim();
    expect((await run(['rm', 'evented'])).code).toBe(0);
    expect((await run(['volume', 'rm', 'evvol'])).code).toBe(0);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const events = await run(['events', '--since', since, '--until', until, '--filter', 'type=volume', '--filter', 'volume=evvol', '--format', '{{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}']);
    expect(events.stdout.split('\n').filter(Boolean)).toEqual([
      'create evvol {"driver":"local"}',
      `mount evvol {"container":"${id}","destination":"/e","driver":"local","propagation":"","read/write":"true"}`,
      `unmount evvol {"container":"${id}","driver":"local"}`,
      'destroy evvol {"driver":"local"}',
    ]);
  });

  it('backed by tmpfs is mounted while used and unmounted after', async () => {
    const r = await run(['run', '--rm', '-v', 'small:/t', 'busybox', 'sh', '-c', 'grep " /t " /proc/self/mountinfo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ tmpfs /);
    expect(mountsUnder(join(daemon.root, 'volumes'))).toEqual([]);
    expect((await run(['volume', 'rm', 'small'])).code).toBe(0);
  });
});

describe('across a ced restart', () => {
  it('after a kill -9, references come back from the records, and a running container keeps its tmpfs volume mounted', async () => {
    expect((await run(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'live'])).code).toBe(0);
    expect((await run(['run', '-d', '--name', 'runner', '-v', 'live:/live', 'busybox', 'sh', '-c', 'echo alive > /live/f; sleep 300'])).code).toBe(0);
    // A crash, not a clean stop: the references must come back from the records alone.
    await daemon.kill9();
    await daemon.restart();
    const refused = await run(['volume', 'rm', 'live']);
    expect(refused.stderr).toContain('remove live: volume is in use');
    expect(mountsUnder(join(daemon.root, 'volumes'))).toEqual([join(daemon.root, 'volumes/live/_data')]);
    expect((await run(['exec', 'runner', 'cat', '/live/f'])).stdout).toBe('alive\n');
    expect((await run(['rm', '-f', 'runner'])).code).toBe(0);
    expect(mountsUnder(join(daemon.root, 'volumes'))).toEqual([]);
    expect((await run(['volume', 'rm', 'live'])).code).toBe(0);
  });
});

describe('anonymous volumes', () => {
  it('are filled from the image at the VOLUME path, owners and modes kept, and go with rm -v', async () => {
    const created = await run(['create', '--name', 'anon', IMAGE, 'sh', '-c', 'cat /data/hello /data/sub/deep; stat -c "%u:%g %a" /data']);
    expect(created.code).toBe(0);
    const mounts = JSON.parse((await run(['inspect', '--format', '{{json .Mounts}}', 'anon'])).stdout) as { Type: string; Name: string; Destination: string; Driver: string; Mode: string; RW: boolean }[];
    expect(mounts).toHaveLength(1);
    expect(mounts[0]).toMatchObject({ Type: 'volume', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' });
    const name = mounts[0]!.Name;
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    const started = await run(['start', '-a', 'anon']);
    expect(started).toMatchObject({ code: 0, stdout: 'from the image\ndeeper\n1000:1000 750\n' });
    expect((await run(['rm', '-v', 'anon'])).code).toBe(0);
    expect((await run(['volume', 'ls', '-q'])).stdout).not.toContain(name);
  });

  it('of a --rm container go with it, as Docker\'s auto-remove does; named ones stay', async () => {
    const names = async () => new Set((await run(['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean));
    const before = await names();
    const r = await run(['run', '--rm', '-v', 'stays:/named', '-v', '/gone', IMAGE, 'cat', '/data/hello']);
    expect(r).toMatchObject({ code: 0, stdout: 'from the image\n' });
    expect(await names()).toEqual(new Set([...before, 'stays']));
    expect((await run(['volume', 'rm', 'stays'])).code).toBe(0);
  });

  it('from -v /path stay after a plain rm (dangling)', async () => {
    const created = await run(['create', '--name', 'anon2', '-v', '/scratch', 'busybox', 'true']);
    expect(created.code).toBe(0);
    const name = (await run(['inspect', '--format', '{{(index .Mounts 0).Name}}', 'anon2'])).stdout.trim();
    expect((await run(['rm', 'anon2'])).code).toBe(0);
    expect((await run(['volume', 'ls', '-q', '--filter', 'dangling=true'])).stdout).toContain(`${name}\n`);
    expect((await run(['volume', 'rm', name])).code).toBe(0);
  });

  it('are shared with --volumes-from', async () => {
    expect((await run(['create', '--name', 'source', '-v', '/shared', 'busybox', 'true'])).code).toBe(0);
    const write = await run(['run', '--rm', '--volumes-from', 'source', 'busybox', 'sh', '-c', 'echo shared > /shared/f']);
    expect(write.code).toBe(0);
    const readOnly = await run(['run', '--rm', '--volumes-from', 'source:ro', 'busybox', 'sh', '-c', 'cat /shared/f; touch /shared/g']);
    expect(readOnly.stdout).toBe('shared\n');
    expect(readOnly.code).not.toBe(0);
    expect((await run(['rm', '-v', 'source'])).code).toBe(0);
  });
});

describe('bind mounts and tmpfs', () => {
  it('bind a host folder read-write, and read-only refuses writes', async () => {
    await writeFile(join(hostDir, 'host-file'), 'from the host\n');
    const rw = await run(['run', '--rm', '-v', `${hostDir}:/host`, 'busybox', 'sh', '-c', 'cat /host/host-file; echo back > /host/written']);
    expect(rw).toMatchObject({ code: 0, stdout: 'from the host\n' });
    expect(await readFile(join(hostDir, 'written'), 'utf8')).toBe('back\n');
    const ro = await run(['run', '--rm', '--mount', `type=bind,source=${hostDir},target=/host,readonly`, 'busybox', 'sh', '-c', 'touch /host/nope']);
    expect(ro.code).not.toBe(0);
    expect(ro.stderr).toContain('Read-only file system');
  });

  it('create a missing -v host folder, and refuse a missing --mount source with Docker\'s error', async () => {
    const missing = join(hostDir, 'made/by/ce');
    expect((await run(['run', '--rm', '-v', `${missing}:/m`, 'busybox', 'true'])).code).toBe(0);
    expect((await run(['run', '--rm', '-v', `${missing}:/m:ro`, 'busybox', 'ls', '/m'])).code).toBe(0);
    const refused = await run(['run', '--rm', '--mount', `type=bind,source=${join(hostDir, 'absent')},target=/x`, 'busybox', 'true']);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain(`invalid mount config for type "bind": bind source path does not exist: ${join(hostDir, 'absent')}`);
    const relative = await run(['run', '--rm', '-v', 'rel/path:/x', 'busybox', 'true']);
    expect(relative.code).toBe(125);
    expect(relative.stderr).toContain('create rel/path: "rel/path" includes invalid characters for a local volume name');
    const badMount = await run(['run', '--rm', '--mount', 'type=volume,target=/x,bogus=1', 'busybox', 'true']);
    expect(badMount).toMatchObject({ code: 125 });
    expect(badMount.stderr).toContain(`invalid argument "type=volume,target=/x,bogus=1" for "--mount" flag: unexpected key 'bogus' in 'bogus=1'`);
  });

  it('mount tmpfs with --tmpfs and --mount type=tmpfs, size and mode as asked', async () => {
    const r = await run(['run', '--rm', '--tmpfs', '/t1:size=2m', '--mount', 'type=tmpfs,target=/t2,tmpfs-size=1m,tmpfs-mode=1770', 'busybox', 'sh', '-c', 'grep -E " /t[12] " /proc/self/mountinfo; stat -c %a /t2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ \/t1 rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=2048k/);
    expect(r.stdout).toMatch(/ \/t2 .* tmpfs tmpfs rw,size=1024k,mode=1770/);
    expect(r.stdout).toMatch(/^1770$/m);
  });

  it('put the engine\'s /etc files over a volume on /etc, and a bind on /etc/hosts over the engine\'s', async () => {
    const hosts = join(hostDir, 'my-hosts');
    await writeFile(hosts, '10.9.8.7 mine\n');
    const r = await run(['run', '--rm', '--hostname', 'volhost', '-v', 'etc-volume:/etc', '-v', `${hosts}:/etc/hosts:ro`, 'busybox', 'sh', '-c', 'cat /etc/hostname /etc/hosts; head -1 /etc/passwd']);
    expect(r).toMatchObject({ code: 0, stdout: 'volhost\n10.9.8.7 mine\nroot:x:0:0:root:/root:/bin/sh\n' });
    expect((await run(['volume', 'rm', 'etc-volume'])).code).toBe(0);
  });

  it('leave nothing mounted once the containers are gone', async () => {
    expect((await run(['ps', '-aq'])).stdout).toBe('');
    expect(mountsUnder(daemon.root)).toEqual([]);
    expect(mountsUnder(daemon.state)).toEqual([]);
  });
});
