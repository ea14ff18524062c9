// ce cp and ce diff against Docker 20.10 (a private dockerd, its containers on
// --network none) from the same image archive: the same command lines give the
// same words, exit codes, copied trees and change lists.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, lstatSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as tar from 'tar-stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';

const IMAGE = 'ce-e2e/cp-diff:latest';
const SETUP = 'mkdir -p /data/sub && echo hello > /data/a.txt && echo deep > /data/sub/b.txt && ln -s /data/a.txt /data/link && ln -s /etc /hostetc && echo x >> /etc/group && rm /etc/passwd && mkdir /added && touch /added/f && sleep 1000';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;
let local: string;

const normalize = (r: CommandResult): CommandResult => ({ code: r.code, stdout: r.stdout, stderr: r.stderr.replace(/^ce: /gm, '') });

/** The same command line in both engines; `{}` in an argument is the engine's own local folder. */
async function both(args: string[], input?: string): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const own = (engine: string) => args.map((a) => a.replaceAll('{}', join(local, engine)));
  const [c, d] = await Promise.all([ce(own('ce'), { socket: daemon.socket, input }), dockerd.docker(own('docker'), { input, timeoutMs: 60_000 })]);
  return { ce: normalize(c), docker: normalize(d) };
}

async function expectSame(args: string[], expected?: Partial<CommandResult>): Promise<void> {
  const r = await both(args);
  expect(r.ce, args.join(' ')).toEqual(r.docker);
  if (expected) expect(r.docker).toMatchObject(expected);
}

/**
 * The names, types, permissions and owners of a tar's entries (the CLI's output is ASCII here). Go's
 * archive/tar also writes the file type bits in the mode field (40755); tar-stream writes the permissions only.
 */
async function tarEntries(text: string): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h: tar.Headers, stream: NodeJS.ReadableStream, next: () => void) => {
      names.push(`${h.name} ${h.type} ${((h.mode ?? 0) & 0o7777).toString(8)} ${h.uid}:${h.gid} ${h.linkname ?? ''}`);
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(Buffer.from(text, 'utf8'));
  await done;
  return names;
}

/** A local tree as text: each path with its kind and content. */
function tree(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = join(rel, name);
    const st = lstatSync(join(dir, path));
    if (st.isSymbolicLink()) out.push(`${path} -> ${readlinkSync(join(dir, path))}`);
    else if (st.isDirectory()) out.push(`${path}/`, ...tree(dir, path));
    else out.push(`${path}: ${readFileSync(join(dir, path), 'utf8')}`);
  }
  return out;
}

describe.skipIf(dockerPeerMissing !== undefined)('ce cp and ce diff match Docker 20.10', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('cp-diff-parity', IMAGE);
    ({ dockerd, daemon } = peer);
    local = mkdtempSync(join(tmpdir(), 'ce-cp-parity-'));
    for (const engine of ['ce', 'docker']) mkdirSync(join(local, engine));
    const c = await ce(['run', '-d', '--name', 'files', IMAGE, 'sh', '-c', SETUP], { socket: daemon.socket });
    const d = await dockerd.docker(['run', '-d', '--network', 'none', '--name', 'files', IMAGE, 'sh', '-c', SETUP]);
    expect(c).toMatchObject({ code: 0, stderr: '' });
    expect(d).toMatchObject({ code: 0, stderr: '' });
    // Both setups done (bounded poll: expect.poll is for tests only).
    for (let i = 0; ; i++) {
      const r = await both(['exec', 'files', 'test', '-d', '/added']);
      if (r.ce.code === 0 && r.docker.code === 0) break;
      if (i === 50) throw new Error(`setup did not finish: ${JSON.stringify(r)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 180_000);

  afterAll(async () => {
    if (local) rmSync(local, { recursive: true, force: true });
    await peer?.dispose();
  }, 120_000);

  it('diff: the same change list', async () => {
    // Docker's overlay2 lists in walk order (native diff) or in Go's map order (naive diff, as on this kernel): compare the sets.
    const r = await both(['diff', 'files']);
    const sorted = (out: string) => out.split('\n').filter(Boolean).sort();
    expect(r.ce.code).toBe(0);
    expect(r.docker.code).toBe(0);
    expect(sorted(r.ce.stdout)).toEqual(sorted(r.docker.stdout));
    await expectSame(['diff', 'nosuch'], { code: 1 });
  });

  it('copies out to the same local trees', async () => {
    mkdirSync(join(local, 'ce/existing'));
    mkdirSync(join(local, 'docker/existing'));
    for (const args of [
      ['cp', 'files:/data/a.txt', '{}/a-copy'],
      ['cp', 'files:/data', '{}/data-new'],
      ['cp', 'files:/data', '{}/existing'],
      ['cp', 'files:/data/.', '{}/content'],
      ['cp', 'files:/data/link', '{}/as-link'],
      ['cp', '-L', 'files:/data/link', '{}/followed'],
      ['cp', 'files:/hostetc/group', '{}/group'],
    ]) {
      await expectSame(args, { code: 0 });
    }
    expect(tree(join(local, 'ce'))).toEqual(tree(join(local, 'docker')));
  });

  it('writes tars with the same entries to stdout', async () => {
    for (const path of ['/data', '/data/', '/data/.', '/data/link', '/data/a.txt']) {
      const r = await both(['cp', `files:${path}`, '-']);
      expect(r.ce.code, path).toBe(0);
      expect(await tarEntries(r.ce.stdout), path).toEqual(await tarEntries(r.docker.stdout));
    }
  });

  it('refuses what Docker refuses, in its words', async () => {
    writeFileSync(join(local, 'ce/file'), 'f\n');
    writeFileSync(join(local, 'docker/file'), 'f\n');
    await expectSame(['cp', 'files:/nope', '{}'], { code: 1 });
    await expectSame(['cp', 'nosuch:/etc', '{}'], { code: 1 });
    await expectSame(['cp', 'files:/data/a.txt', '{}/nodir/'], { code: 1 });
    await expectSame(['cp', 'files:/data', '{}/file'], { code: 1 });
    await expectSame(['cp', '{}/file', '{}/other'], { code: 1 });
    await expectSame(['cp', 'files:/a', 'files:/b'], { code: 1 });
    await expectSame(['cp', '{}/file', 'files:/missing/deeper/x'], { code: 1 });
  });

  it('copies in to the same places', async () => {
    await expectSame(['cp', '{}/file', 'files:/tmp/renamed'], { code: 0 });
    await expectSame(['exec', 'files', 'cat', '/tmp/renamed'], { code: 0, stdout: 'f\n' });
    await expectSame(['cp', '{}/file', 'files:/hostetc/'], { code: 0 });
    await expectSame(['exec', 'files', 'ls', '-l', '/etc/file'], { code: 0 });
  });
});
