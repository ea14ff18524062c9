// Issue 8 item 1 (the class of CVE-2021-41091): no user but root may reach
// image layers or containers' files through ced's --root and --state, and a
// root left open by an older ced is repaired at start-up.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { ceBin } from './support/paths.js';

const isRoot = process.geteuid?.() === 0;
const image = 'docker.io/library/busybox-suid:latest';
let daemon: TestDaemon;

/**
 * Runs argv as uid/gid 65534 with no supplementary groups. Through a shell:
 * setpriv itself still holds root's capabilities when it execs its argument.
 */
function asNobody(argv: string[]) {
  return spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all', 'sh', '-c', 'exec "$0" "$@"', ...argv], { encoding: 'utf8' });
}

/** Files named `name` in the `fs/` of any snapshot (found as root). */
function inSnapshots(name: string): string[] {
  const snapshots = join(daemon.root, 'image-store', 'snapshots');
  return readdirSync(snapshots)
    .map((n) => join(snapshots, n, 'fs', name))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

const mode = (path: string) => statSync(path).mode & 0o7777;

beforeAll(async () => {
  if (!isRoot) return;
  daemon = await startTestDaemon();
  // The test's own temporary folder is private; open it so that only ced's folders stand in the way.
  chmodSync(daemon.dir, 0o755);
  // A setuid-root program that tells its effective uid (the host's id, run from the layer on the host).
  const id = readFileSync(execFileSync('sh', ['-c', 'command -v id'], { encoding: 'utf8' }).trim());
  await importBusyboxImage(daemon.socket, image, {}, [{ name: 'bin/showeuid', data: id, mode: 0o4755, uid: 0, gid: 0 }]);
});

afterAll(async () => {
  await daemon?.dispose();
});

describe.skipIf(!isRoot)('private store folders (needs root)', () => {
  it('a setuid-root binary of an image cannot be run by another user through its snapshot', async () => {
    const run = await ce(['run', '--rm', image, 'true'], { socket: daemon.socket });
    expect(run.code).toBe(0);
    const [suid] = inSnapshots('bin/showeuid');
    expect(suid, 'the unpacked layer holds the setuid binary').toBeDefined();
    expect(mode(suid!) & 0o4000).toBe(0o4000);
    const res = asNobody([suid!, '-u']);
    expect(res.stdout).not.toBe('0\n');
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/Permission denied/);
  });

  it('a file a container wrote as root cannot be read by another user through its writable layer', async () => {
    const run = await ce(['run', '--name', 'writer', image, 'sh', '-c', 'echo root-only > /secret'], { socket: daemon.socket });
    expect(run.code).toBe(0);
    const [secret] = inSnapshots('secret');
    expect(readFileSync(secret!, 'utf8')).toBe('root-only\n');
    const res = asNobody(['cat', secret!]);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/Permission denied/);
    await ce(['rm', 'writer'], { socket: daemon.socket });
  });

  it('keeps the state folder traversable for the socket only, and every content folder owner-only', () => {
    expect(mode(daemon.root)).toBe(0o700);
    expect(mode(daemon.state)).toBe(0o711);
    for (const dir of ['tasks', 'runtime', 'shims']) expect(mode(join(daemon.state, dir)), dir).toBe(0o700);
    for (const dir of ['image-store', 'containers']) expect(mode(join(daemon.root, dir)), dir).toBe(0o700);
    for (const dir of ['blobs', 'ingest', 'images', 'snapshots', 'leases']) expect(mode(join(daemon.root, 'image-store', dir)), dir).toBe(0o700);
  });

  it('tells a user outside the socket\'s group that permission was denied (issue 8 item 14)', () => {
    const res = asNobody([process.execPath, ceBin, '-H', daemon.socket, 'ps']);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(`ce: permission denied while trying to connect to the ce daemon socket at unix://${daemon.socket}: connect: permission denied (is the user in the "ce" group?)\n`);
  });

  it('repairs a root and state left open by an older ced at start-up, and says so in its log', async () => {
    await daemon.stop();
    const opened = [daemon.root, join(daemon.root, 'image-store'), join(daemon.root, 'image-store', 'snapshots'), join(daemon.root, 'containers'), daemon.state, join(daemon.state, 'tasks')];
    for (const dir of opened) chmodSync(dir, 0o755);
    await daemon.restart();
    for (const dir of opened) expect(mode(dir), dir).toBe(dir === daemon.state ? 0o711 : 0o700);
    expect(daemon.log()).toContain('folder was open to other users; made it private');
    const [suid] = inSnapshots('bin/showeuid');
    expect(asNobody([suid!, '-u']).status).not.toBe(0);
  });
});
