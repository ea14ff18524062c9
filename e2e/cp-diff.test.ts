// ce cp and ce diff with the real binaries: copies in and out of running and
// stopped busybox containers, tars on stdin/stdout, volumes, a hostile
// container's symlinks staying inside it, and the writable layer's changes.
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

let local: string;
beforeAll(() => {
  local = mkdtempSync(join(tmpdir(), 'ce-cp-e2e-'));
});
afterAll(() => rmSync(local, { recursive: true, force: true }));

const run = (args: string[], input?: string | Buffer) => ce(args, { socket: daemon.socket, input });

async function ok(args: string[], input?: string | Buffer): Promise<string> {
  const r = await run(args, input);
  expect(r, `ce ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
  return r.stdout;
}

async function runDetached(args: string[]): Promise<string> {
  const id = (await ok(['run', '-d', ...args])).trim();
  ids.push(id);
  return id;
}

const cat = async (container: string, path: string) => ok(['exec', container, 'cat', path]);

describe('ce cp', () => {
  it('copies a file and a directory out of a running container, with Docker trailing-slash and /. rules', async () => {
    await runDetached(['--name', 'cp-out', 'busybox', 'sh', '-c', 'mkdir -p /data/sub && echo hello > /data/a.txt && echo deep > /data/sub/b.txt && sleep 1000']);
    await expect.poll(async () => (await run(['exec', 'cp-out', 'test', '-f', '/data/sub/b.txt'])).code).toBe(0);

    await ok(['cp', 'cp-out:/data/a.txt', join(local, 'a-copy.txt')]);
    expect(readFileSync(join(local, 'a-copy.txt'), 'utf8')).toBe('hello\n');

    // A directory to a missing path takes that name; to an existing directory, it goes inside.
    await ok(['cp', 'cp-out:/data', join(local, 'data-new')]);
    expect(readFileSync(join(local, 'data-new/sub/b.txt'), 'utf8')).toBe('deep\n');
    mkdirSync(join(local, 'existing'));
    await ok(['cp', 'cp-out:/data', join(local, 'existing')]);
    expect(readFileSync(join(local, 'existing/data/a.txt'), 'utf8')).toBe('hello\n');
    // SRC/. copies the content.
    mkdirSync(join(local, 'content'));
    await ok(['cp', 'cp-out:/data/.', join(local, 'content')]);
    expect(readFileSync(join(local, 'content/a.txt'), 'utf8')).toBe('hello\n');

    // A file to a path ending in / that does not exist is an error.
    expect(await run(['cp', 'cp-out:/data/a.txt', join(local, 'nodir') + '/'])).toEqual({ code: 1, stdout: '', stderr: 'ce: no such directory\n' });
    // A directory over an existing file is an error.
    expect(await run(['cp', 'cp-out:/data', join(local, 'a-copy.txt')])).toEqual({ code: 1, stdout: '', stderr: 'ce: cannot copy directory\n' });
    expect(await run(['cp', 'cp-out:/nope', local])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error: No such container:path: cp-out:/nope\n' });
    expect(await run(['cp', 'ghost:/etc/passwd', local])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error: No such container:path: ghost:/etc/passwd\n' });
    expect(await run(['cp', local, join(local, 'x')])).toEqual({ code: 1, stdout: '', stderr: 'ce: must specify at least one container source\n' });
  });

  it('writes a tar to stdout with -, and extracts a tar from stdin with -', async () => {
    const out = await run(['cp', 'cp-out:/data/a.txt', '-']);
    expect(out.code).toBe(0);
    expect(out.stdout.slice(0, 5)).toBe('a.txt');
    expect(out.stdout).toContain('hello\n');

    // The same tar back into another directory of the container.
    await ok(['exec', 'cp-out', 'mkdir', '/incoming']);
    await ok(['cp', '-', 'cp-out:/incoming'], Buffer.from(out.stdout, 'utf8'));
    expect(await cat('cp-out', '/incoming/a.txt')).toBe('hello\n');
    expect(await run(['cp', '-', 'cp-out:/incoming/a.txt'], Buffer.from(out.stdout, 'utf8'))).toMatchObject({ code: 1, stderr: 'ce: destination "cp-out:/incoming/a.txt" must be a directory\n' });
  });

  it('copies into a running container, root-owned unless -a', async () => {
    writeFileSync(join(local, 'in.txt'), 'into the container\n');
    await ok(['cp', join(local, 'in.txt'), 'cp-out:/tmp/renamed.txt']);
    expect(await cat('cp-out', '/tmp/renamed.txt')).toBe('into the container\n');
    await ok(['cp', join(local, 'in.txt'), 'cp-out:/tmp/']);
    expect((await ok(['exec', 'cp-out', 'stat', '-c', '%u:%g', '/tmp/in.txt'])).trim()).toBe('0:0');

    const dir = join(local, 'tree');
    mkdirSync(join(dir, 'inner'), { recursive: true });
    writeFileSync(join(dir, 'inner/x'), 'x\n');
    await ok(['cp', dir, 'cp-out:/tree-copy']);
    expect(await cat('cp-out', '/tree-copy/inner/x')).toBe('x\n');

    // -a keeps the archive's uid/gid: a tar of a file owned by 1234:5678.
    const tarOut = await run(['exec', 'cp-out', 'sh', '-c', 'mkdir /own && echo o > /own/f && chown 1234:5678 /own/f']);
    expect(tarOut.code).toBe(0);
    const tar = await run(['cp', 'cp-out:/own/f', '-']);
    await ok(['exec', 'cp-out', 'mkdir', '/own-a']);
    await ok(['cp', '-a', '-', 'cp-out:/own-a'], Buffer.from(tar.stdout, 'utf8'));
    expect((await ok(['exec', 'cp-out', 'stat', '-c', '%u:%g', '/own-a/f'])).trim()).toBe('1234:5678');
    await ok(['exec', 'cp-out', 'mkdir', '/own-root']);
    await ok(['cp', '-', 'cp-out:/own-root'], Buffer.from(tar.stdout, 'utf8'));
    expect((await ok(['exec', 'cp-out', 'stat', '-c', '%u:%g', '/own-root/f'])).trim()).toBe('0:0');

    expect(await run(['cp', join(local, 'in.txt'), 'cp-out:/missing/dir/f'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error: No such container:path: cp-out:/missing/dir\n' });
  });

  it('copies a symlink as a symlink, or what it points to with -L', async () => {
    await ok(['exec', 'cp-out', 'ln', '-s', '/data/a.txt', '/data/link']);
    await ok(['cp', 'cp-out:/data/link', join(local, 'as-link')]);
    expect(readlinkSync(join(local, 'as-link'))).toBe('/data/a.txt');
    await ok(['cp', '-L', 'cp-out:/data/link', join(local, 'followed')]);
    expect(readFileSync(join(local, 'followed'), 'utf8')).toBe('hello\n');
    // -L into an existing directory keeps the link's name.
    mkdirSync(join(local, 'followed-dir'));
    await ok(['cp', '-L', 'cp-out:/data/link', join(local, 'followed-dir')]);
    expect(readFileSync(join(local, 'followed-dir/link'), 'utf8')).toBe('hello\n');
  });

  it('refuses to write on a read-only rootfs', async () => {
    await runDetached(['--name', 'cp-ro', '--read-only', 'busybox', 'sleep', '1000']);
    expect(await run(['cp', join(local, 'in.txt'), 'cp-ro:/tmp/'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error response from daemon: container rootfs is marked read-only\n' });
    await ok(['rm', '-f', 'cp-ro']);
  });

  it('copies in and out of a stopped container', async () => {
    const id = await runDetached(['--name', 'cp-stopped', 'busybox', 'sh', '-c', 'cat /later.txt 2>/dev/null; echo before > /state.txt']);
    await ok(['wait', id]);
    await ok(['cp', 'cp-stopped:/state.txt', join(local, 'state.txt')]);
    expect(readFileSync(join(local, 'state.txt'), 'utf8')).toBe('before\n');
    writeFileSync(join(local, 'later.txt'), 'after\n');
    await ok(['cp', join(local, 'later.txt'), 'cp-stopped:/later.txt']);
    await ok(['cp', 'cp-stopped:/later.txt', join(local, 'later-back.txt')]);
    expect(readFileSync(join(local, 'later-back.txt'), 'utf8')).toBe('after\n');
    // Started again, the container sees the file.
    await ok(['start', id]);
    await ok(['wait', id]);
    expect(await ok(['logs', id])).toBe('after\n');
    await ok(['rm', id]);
  });

  it('sees volumes at their destination, in running and stopped containers', async () => {
    const id = await runDetached(['--name', 'cp-vol', '-v', 'cpvol:/vol', 'busybox', 'sh', '-c', 'echo in-volume > /vol/v.txt']);
    await ok(['wait', id]);
    await ok(['cp', 'cp-vol:/vol/v.txt', join(local, 'v.txt')]);
    expect(readFileSync(join(local, 'v.txt'), 'utf8')).toBe('in-volume\n');
    await ok(['cp', join(local, 'in.txt'), 'cp-vol:/vol/']);
    const reader = await runDetached(['-v', 'cpvol:/vol', 'busybox', 'cat', '/vol/in.txt']);
    await ok(['wait', reader]);
    expect(await ok(['logs', reader])).toBe('into the container\n');
    await ok(['rm', id, reader]);
    await ok(['volume', 'rm', 'cpvol']);
  });

  it('keeps a hostile container\'s symlinks inside its root', async () => {
    const marker = join(local, 'escape-marker');
    const id = await runDetached([
      '--name',
      'cp-hostile',
      'busybox',
      'sh',
      '-c',
      `mkdir -p ${local} && ln -s /etc /hostetc && ln -s ../../../../../../..${local} /up && ln -s / /root-link && sleep 1000`,
    ]);
    await expect.poll(async () => (await run(['exec', id, 'test', '-L', '/root-link'])).code).toBe(0);

    // Into /hostetc/: the container's /etc, never the host's.
    writeFileSync(join(local, 'hostile.txt'), 'contained\n');
    await ok(['cp', join(local, 'hostile.txt'), 'cp-hostile:/hostetc/']);
    expect(await cat('cp-hostile', '/etc/hostile.txt')).toBe('contained\n');
    expect(existsSync('/etc/hostile.txt')).toBe(false);

    // Through ../../..: the container's own folder named like the host's.
    await ok(['cp', join(local, 'hostile.txt'), 'cp-hostile:/up/escape-marker']);
    expect(await cat('cp-hostile', marker)).toBe('contained\n');
    expect(existsSync(marker)).toBe(false);
    // Reading through the links reads the container's files.
    const passwd = await run(['cp', 'cp-hostile:/root-link/etc/passwd', '-']);
    expect(passwd.stdout).toContain('root:x:0:0');
    expect(passwd.stdout).not.toContain(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => !/^root:/.test(l) && l) ?? '\u0000never');

    // A tar whose symlink entry points out, then a file through it: lands in the container.
    const hostileTar = await run(['cp', 'cp-hostile:/up', '-']);
    expect(hostileTar.code).toBe(0);
    await ok(['exec', id, 'mkdir', '/drop']);
    await ok(['cp', '-', 'cp-hostile:/drop'], Buffer.from(hostileTar.stdout, 'utf8'));
    await ok(['exec', id, 'rm', marker]);
    await ok(['cp', join(local, 'hostile.txt'), 'cp-hostile:/drop/up/escape-marker']);
    expect(await cat('cp-hostile', marker)).toBe('contained\n');
    expect(existsSync(marker)).toBe(false);
    expect(statSync(local).isDirectory()).toBe(true);
    await ok(['rm', '-f', id]);
  });
});

describe('ce diff', () => {
  it("lists the writable layer's additions, changes and deletions as Docker does", async () => {
    const id = await runDetached(['--name', 'differ', 'busybox', 'sh', '-c', 'echo x >> /etc/group; rm /etc/passwd; mkdir /added; touch /added/f; sleep 1000']);
    await expect.poll(async () => (await run(['exec', id, 'test', '-d', '/added'])).code).toBe(0);
    const lines = (await ok(['diff', 'differ'])).split('\n').filter(Boolean);
    expect(lines).toEqual(['A /added', 'A /added/f', 'C /etc', 'C /etc/group', 'D /etc/passwd']);
    expect(lines.filter((l) => /^. \/(dev|proc|sys|etc\/(hosts|hostname|resolv\.conf))$/.test(l))).toEqual([]);
    expect(await run(['diff', 'ghost'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error response from daemon: No such container: ghost\n' });
    await ok(['rm', '-f', id]);
  });
});
