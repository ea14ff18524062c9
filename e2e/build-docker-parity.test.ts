// ce build against Docker 20.10's classic builder (a private dockerd,
// DOCKER_BUILDKIT=0), the same Dockerfile and context in both: the same step
// lines, image config fields, history and file trees.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tar from 'tar-stream';
import { ce } from './support/ce.js';
import { runProgram } from './support/ce.js';
import { dockerPeerMissing, startDockerPeer, type DockerPeer } from './support/docker-peer.js';

const IMAGE = 'docker.io/library/busybox:latest';

const DOCKERFILE = [
  'ARG BASE=busybox',
  'FROM $BASE AS tools',
  'RUN mkdir -p /out && echo tool > /out/tool && chmod 700 /out/tool',
  'FROM busybox',
  'LABEL org.example.team="ce builders" version=1',
  'ENV APP_HOME=/srv/app GREETING=hello',
  'ARG FLAVOUR=plain',
  'WORKDIR $APP_HOME',
  'COPY src/ ./src/',
  'COPY --chown=65534:65534 readme.txt /docs/',
  'ADD bundle.tar /opt/',
  'ADD bundle.tar.xz bundle.tar.bz2 bundle.tar.zst /opt/compressed/',
  'COPY --from=tools /out/tool /usr/local/bin/',
  'RUN echo "$GREETING $FLAVOUR" > built.txt && rm /bin/vi && mkdir -p /var/empty',
  'USER nobody',
  'EXPOSE 8080 53/udp',
  'VOLUME /data',
  'STOPSIGNAL SIGTERM',
  'HEALTHCHECK --interval=5s --timeout=3s CMD true',
  'ONBUILD RUN echo child',
  'ENTRYPOINT ["/bin/sh", "-c"]',
  'CMD ["cat built.txt"]',
  '',
].join('\n');

let peer: DockerPeer | undefined;
let work: string;

beforeAll(async () => {
  if (dockerPeerMissing) return;
  peer = await startDockerPeer('build-parity', IMAGE);
  work = await mkdtemp(join(tmpdir(), 'ce-e2e-build-parity-'));
  const ctx = join(work, 'ctx');
  await mkdir(join(ctx, 'src/lib'), { recursive: true });
  await writeFile(join(ctx, 'Dockerfile'), DOCKERFILE);
  await writeFile(join(ctx, 'src/main.sh'), 'echo main\n', { mode: 0o755 });
  await writeFile(join(ctx, 'src/lib/util.sh'), 'echo util\n');
  await writeFile(join(ctx, 'readme.txt'), 'read me\n');
  await writeFile(join(ctx, 'ignored.log'), 'noise\n');
  await writeFile(join(ctx, '.dockerignore'), '*.log\n');
  await mkdir(join(work, 'bundle/bundled'), { recursive: true });
  await writeFile(join(work, 'bundle/bundled/inside.txt'), 'unpacked\n');
  execFileSync('tar', ['-cf', join(ctx, 'bundle.tar'), '-C', join(work, 'bundle'), 'bundled']);
  // dockerd 20.10 unpacks what its DecompressStream reads (xz, bzip2); a zstd tar is copied as a file.
  for (const [tool, ext] of [['xz', 'xz'], ['bzip2', 'bz2'], ['zstd', 'zst']]) {
    await mkdir(join(work, ext, `from-${ext}`), { recursive: true });
    await writeFile(join(work, ext, `from-${ext}`, 'inside.txt'), `unpacked from ${ext}\n`);
    const tar = execFileSync('tar', ['-cf', '-', '-C', join(work, ext), `from-${ext}`]);
    await writeFile(join(ctx, `bundle.tar.${ext}`), execFileSync(tool!, ['-c', '-q'], { input: tar }));
  }
}, 120_000);

afterAll(async () => {
  await peer?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

/** docker with the classic builder. */
function docker(args: string[]) {
  const d = peer!.dockerd;
  return runProgram(d.client, [...d.host, ...args], { env: { ...d.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000, label: 'docker' });
}
const ceRun = (args: string[]) => ce(args, { socket: peer!.daemon.socket, timeoutMs: 120_000 });

/** Output lines with ids and sizes made comparable. */
const stepLines = (out: string) =>
  out
    .split('\n')
    .filter((l) => l && !l.startsWith('Sending build context'))
    .map((l) => l.replace(/\b[0-9a-f]{12}\b/g, '<id>'));

/** A tar's entries: name, type, mode, owner, size and link target (the container files Docker adds left out). */
async function entries(archive: Buffer): Promise<string[]> {
  const extract = tar.extract();
  const list: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h: tar.Headers, stream: NodeJS.ReadableStream, next: () => void) => {
      const name = h.name.replace(/\/$/, '');
      if (!/^(\.dockerenv|etc\/(hosts|hostname|resolv\.conf|mtab)|proc|sys|dev)(\/|$)/.test(name)) {
        list.push(`${name} ${h.type} ${((h.mode ?? 0) & 0o7777).toString(8)} ${h.uid}:${h.gid} ${h.type === 'file' ? h.size : ''} ${h.linkname ?? ''}`);
      }
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(archive);
  await done;
  return list.sort();
}

async function exportTree(engine: 'ce' | 'docker', image: string): Promise<string[]> {
  const file = join(work, `${engine}.tar`);
  const run = engine === 'ce' ? ceRun : docker;
  const id = (await run(['create', image])).stdout.trim();
  try {
    expect((await run(['export', '-o', file, id])).code).toBe(0);
  } finally {
    await run(['rm', id]);
  }
  const { readFile } = await import('node:fs/promises');
  return entries(await readFile(file));
}

describe.skipIf(dockerPeerMissing !== undefined)('ce build matches Docker 20.10 (classic builder)', () => {
  it('prints the same steps and makes an image with the same config, history and files', async () => {
    const ctx = join(work, 'ctx');
    const args = ['build', '--build-arg', 'FLAVOUR=spicy', '-t', 'parity:1', ctx];
    const [c, d] = [await ceRun(args), await docker(args)];
    expect(d.code, d.stderr).toBe(0);
    expect(c.code, c.stderr).toBe(0);
    expect(stepLines(c.stdout)).toEqual(stepLines(d.stdout));

    const inspect = async (engine: 'ce' | 'docker') => JSON.parse((await (engine === 'ce' ? ceRun : docker)(['image', 'inspect', 'parity:1'])).stdout)[0];
    const [ci, di] = [await inspect('ce'), await inspect('docker')];
    for (const field of ['User', 'Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'Labels', 'ExposedPorts', 'Volumes', 'StopSignal', 'Healthcheck', 'OnBuild']) {
      expect(ci.Config[field] ?? null, field).toEqual(di.Config[field] ?? null);
    }
    expect(ci.RootFS.Layers.length).toBe(di.RootFS.Layers.length);

    const history = async (engine: 'ce' | 'docker') =>
      (await (engine === 'ce' ? ceRun : docker)(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'parity:1'])).stdout
        .split('\n')
        // The copied files' checksum is each builder's own.
        .map((l) => l.replace(/(file|dir|multi):[0-9a-f]{64}/, '$1:<sum>'));
    expect(await history('ce')).toEqual(await history('docker'));

    expect(await exportTree('ce', 'parity:1')).toEqual(await exportTree('docker', 'parity:1'));

    // A rebuild: every step from the cache in both.
    const [c2, d2] = [await ceRun(args), await docker(args)];
    expect(stepLines(c2.stdout)).toEqual(stepLines(d2.stdout));
  });

  it('applies COPY --chmod, which Docker 20.10 leaves to BuildKit (issue 13 asks for it)', async () => {
    const ctx = join(work, 'chmod');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY --chmod=640 f /f\n');
    await writeFile(join(ctx, 'f'), 'f\n');
    const [c, d] = [await ceRun(['build', '-t', 'chmod:1', ctx]), await docker(['build', '-t', 'chmod:1', ctx])];
    // The one deliberate difference (decision 0054): the classic builder refuses the flag.
    expect(d).toMatchObject({ code: 1, stderr: expect.stringContaining('the --chmod option requires BuildKit') });
    expect(c.code, c.stderr).toBe(0);
    expect((await ceRun(['run', '--rm', 'chmod:1', 'stat', '-c', '%a', '/f'])).stdout).toBe('640\n');
  });

  it('ADD of a URL (a loopback server) gives the same file, history words and missing-file error', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/remote.txt') res.writeHead(200, { 'Last-Modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }).end('remote\n');
      else res.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ctx = join(work, 'remote');
      await mkdir(ctx, { recursive: true });
      await writeFile(join(ctx, 'Dockerfile'), `FROM busybox\nADD ${base}/remote.txt /remote/\n`);
      const args = ['build', '-t', 'remote:1', ctx];
      const [c, d] = [await ceRun(args), await docker(args)];
      expect(d.code, d.stderr).toBe(0);
      expect(c.code, c.stderr).toBe(0);
      expect(stepLines(c.stdout)).toEqual(stepLines(d.stdout));
      const stat = async (engine: 'ce' | 'docker') => (await (engine === 'ce' ? ceRun : docker)(['run', '--rm', 'remote:1', 'stat', '-c', '%a %u:%g %s %Y', '/remote/remote.txt'])).stdout;
      expect(await stat('ce')).toBe(await stat('docker'));
      await writeFile(join(ctx, 'Dockerfile'), `FROM busybox\nADD ${base}/nosuch.txt /\n`);
      const [c404, d404] = [await ceRun(['build', ctx]), await docker(['build', ctx])];
      expect({ code: c404.code, stderr: c404.stderr.replace(/^ce: /, '') }).toEqual({ code: d404.code, stderr: d404.stderr });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fails a RUN with the same words and exit code', async () => {
    const ctx = join(work, 'fail');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN exit 3\n');
    const [c, d] = [await ceRun(['build', ctx]), await docker(['build', ctx])];
    expect(c.code).toBe(d.code);
    expect(c.stderr.replace(/^ce: /, '')).toBe(d.stderr);
    expect(stepLines(c.stdout)).toEqual(stepLines(d.stdout));
  });
});
