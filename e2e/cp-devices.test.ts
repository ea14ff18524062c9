// `ce cp` of device nodes and fifos, both ways, as docker cp (20.10) copies
// them: the archive carries char/block devices (with their numbers) and
// fifos, and each side's extraction makes them with mknod (as root).
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerCli, dockerClientMissing } from './support/docker-cli.js';
import { until } from './support/until.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('ce cp of devices and fifos (needs root)', () => {
  let daemon: TestDaemon;
  let work: string;
  let id: string;
  const run = (args: string[], input?: string | Buffer) => ce(args, { socket: daemon.socket, input });
  const ok = async (args: string[], input?: string | Buffer) => {
    const r = await run(args, input);
    expect(r.stderr, `ce ${args.join(' ')}`).toBe('');
    expect(r.code, `ce ${args.join(' ')}`).toBe(0);
    return r.stdout;
  };
  /** File type and device numbers as the container sees them (busybox stat: %t,%T in hex). */
  const inContainer = async (...paths: string[]) => (await ok(['exec', id, 'stat', '-c', '%n %F %t,%T %a', ...paths])).trim().split('\n');
  const onHost = (path: string) => {
    const st = lstatSync(path);
    const type = st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : 'other';
    return `${type} ${Math.floor(st.rdev / 256)},${st.rdev % 256} ${(st.mode & 0o7777).toString(8)}`;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ce-e2e-cp-devices-'));
    daemon = await startTestDaemon();
    await importBusyboxImage(daemon.socket);
    id = (await ok(['run', '-d', 'busybox', 'sh', '-c', 'mknod /cdev c 1 3; mknod /bdev b 7 0; mkfifo /ff; mkdir /d; mknod /d/null c 1 3; touch /ready; sleep 300'])).trim();
    await until('the container made its nodes', async () => (await run(['exec', id, 'test', '-e', '/ready'])).code === 0);
  });
  afterAll(async () => {
    await daemon?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('archives devices and fifos with their type and numbers', async () => {
    // These archives are headers alone, all ASCII: the text ce() collects is the tar's bytes.
    const listing = async (path: string) => execFileSync('tar', ['-tvf', '-'], { input: Buffer.from(await ok(['cp', `${id}:${path}`, '-'])) }).toString();
    expect(await listing('/cdev')).toMatch(/^crw-r--r-- \S+ +1,3 .* cdev\n$/);
    expect(await listing('/bdev')).toMatch(/^brw-r--r-- \S+ +7,0 .* bdev\n$/);
    expect(await listing('/ff')).toMatch(/^prw-r--r-- \S+ +0 .* ff\n$/);
  });

  it('out of a container: makes the device nodes and fifos on the host', async () => {
    const out = join(work, 'out');
    mkdirSync(out);
    await ok(['cp', `${id}:/cdev`, `${out}/`]);
    await ok(['cp', `${id}:/bdev`, `${out}/disk`]);
    await ok(['cp', `${id}:/ff`, `${out}/ff`]);
    await ok(['cp', `${id}:/d`, out]);
    expect(onHost(join(out, 'cdev'))).toBe('char 1,3 644');
    expect(onHost(join(out, 'disk'))).toBe('block 7,0 644');
    expect(onHost(join(out, 'ff'))).toBe('fifo 0,0 644');
    expect(onHost(join(out, 'd/null'))).toBe('char 1,3 644');
  });

  it('into a container: from host paths and from a tar on stdin', async () => {
    const src = join(work, 'src');
    mkdirSync(join(src, 'tree'), { recursive: true });
    execFileSync('mkfifo', ['-m', '600', join(src, 'hf')]);
    execFileSync('mknod', ['-m', '640', join(src, 'hc'), 'c', '1', '5']);
    execFileSync('mknod', [join(src, 'tree/z'), 'c', '1', '7']);
    execFileSync('mkfifo', [join(src, 'tree/p')]);
    await ok(['cp', join(src, 'hf'), `${id}:/tmp/`]);
    await ok(['cp', join(src, 'hc'), `${id}:/tmp/hc2`]);
    await ok(['cp', '-', `${id}:/tmp/`], execFileSync('tar', ['-C', join(src, 'tree'), '-cf', '-', '.']));
    expect(await inContainer('/tmp/hf', '/tmp/hc2', '/tmp/z', '/tmp/p')).toEqual([
      '/tmp/hf fifo 0,0 600',
      '/tmp/hc2 character special file 1,5 640',
      '/tmp/z character special file 1,7 644',
      '/tmp/p fifo 0,0 644',
    ]);
  });

  it.skipIf(dockerClientMissing !== '')(`docker cp both ways through ced's Docker API ${dockerClientMissing}`, async () => {
    const src = join(work, 'docker-src');
    const out = join(work, 'docker-out');
    mkdirSync(src);
    mkdirSync(out);
    execFileSync('mknod', ['-m', '600', join(src, 'dc'), 'c', '1', '9']);
    expect(await dockerCli(['cp', join(src, 'dc'), `${id}:/tmp/dc`], { daemon })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await inContainer('/tmp/dc')).toEqual(['/tmp/dc character special file 1,9 600']);
    expect(await dockerCli(['cp', `${id}:/bdev`, `${out}/b`], { daemon })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(onHost(join(out, 'b'))).toBe('block 7,0 644');
  });
});
