import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rewriteEtcFile, writeEtcFiles } from '../../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-etc-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writing a container's /etc files", () => {
  it('writes hosts, hostname and resolv.conf in the folder, 0644, no temporary left', async () => {
    const paths = await writeEtcFiles(dir, { hosts: '127.0.0.1\tlocalhost\n', hostname: 'web\n', resolvConf: 'nameserver 10.0.0.1\n' });
    expect(paths).toEqual({ hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') });
    expect(await readFile(paths.hostname, 'utf8')).toBe('web\n');
    expect(await readFile(paths.resolvConf, 'utf8')).toBe('nameserver 10.0.0.1\n');
    expect((await stat(paths.hosts)).mode & 0o777).toBe(0o644);
    expect((await readdir(dir)).sort()).toEqual(['hostname', 'hosts', 'resolv.conf']);
  });

  it('writing again before a restart replaces each file whole, leaving no temporary', async () => {
    await writeEtcFiles(dir, { hosts: 'a much longer first content\n', hostname: 'first\n', resolvConf: 'nameserver 10.0.0.1\n' });
    const paths = await writeEtcFiles(dir, { hosts: 'short\n', hostname: 'second\n', resolvConf: '' });
    expect(await readFile(paths.hosts, 'utf8')).toBe('short\n');
    expect(await readFile(paths.hostname, 'utf8')).toBe('second\n');
    expect(await readFile(paths.resolvConf, 'utf8')).toBe('');
    expect((await readdir(dir)).sort()).toEqual(['hostname', 'hosts', 'resolv.conf']);
  });

  it('a running container file is rewritten in place (same inode, as its bind mount needs)', async () => {
    const paths = await writeEtcFiles(dir, { hosts: 'a much longer first content\n', hostname: 'x\n', resolvConf: '' });
    const before = await stat(paths.hosts);
    await rewriteEtcFile(paths.hosts, 'short\n');
    const after = await stat(paths.hosts);
    expect(after.ino).toBe(before.ino);
    expect(await readFile(paths.hosts, 'utf8')).toBe('short\n');
  });
});
