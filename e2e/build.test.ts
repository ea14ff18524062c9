// ce build with the real binaries and busybox, Dockerfiles as Docker 20.10's
// classic builder builds them: every instruction, multi-stage, .dockerignore,
// the cache across rebuilds and a ced restart, a failing RUN leaving nothing.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ce, ceArgv } from './support/ce.js';
import { until } from './support/until.js';
import { REGISTRY_BIN, startRegistry } from '../packages/image-store/test/support/registry.js';
import type { TestDaemon } from './support/daemon.js';

let daemon: TestDaemon;
withBusyboxDaemon((d) => (daemon = d));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ce-e2e-build-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const run = (args: string[], input?: string | Buffer) => ce(args, { socket: daemon.socket, input, timeoutMs: 120_000 });
async function ok(args: string[], input?: string | Buffer): Promise<string> {
  const r = await run(args, input);
  expect(r.stderr, `ce ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** A context folder of `files` (path → content). */
async function context(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const buildContainerFolders = async () => (await readdir(join(daemon.root, 'builder', 'containers')).catch(() => [])).length;

describe('ce build', () => {
  it('builds every instruction into an image that runs with the config they set, and a history of its steps', async () => {
    const dir = await context('all', {
      Dockerfile: [
        'ARG BASE=busybox',
        'FROM $BASE',
        'LABEL org.example.team="ce builders" version=1',
        'ENV APP_HOME=/srv/app GREETING=hello',
        'ARG FLAVOUR=plain',
        'WORKDIR $APP_HOME',
        'COPY src/ ./src/',
        'ADD bundle.tar /opt/',
        'COPY --chown=65534:65534 --chmod=640 readme.txt /docs/',
        'RUN echo "$GREETING $FLAVOUR" > built.txt && ls /opt/bundled > listing.txt',
        'USER nobody',
        'EXPOSE 8080 53/udp',
        'VOLUME /data',
        'STOPSIGNAL SIGTERM',
        'HEALTHCHECK --interval=5s --timeout=3s CMD true',
        'SHELL ["/bin/sh", "-c"]',
        'ONBUILD RUN echo child',
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'CMD ["cat built.txt"]',
        '',
      ].join('\n'),
      'src/main.sh': 'echo main\n',
      'readme.txt': 'read me\n',
    });
    await mkdir(join(dir, 'bundle/bundled'), { recursive: true });
    await writeFile(join(dir, 'bundle/bundled/inside.txt'), 'unpacked\n');
    execFileSync('tar', ['-cf', join(dir, 'bundle.tar'), '-C', join(dir, 'bundle'), 'bundled']);
    await rm(join(dir, 'bundle'), { recursive: true });

    const out = await ok(['build', '-t', 'ce-test/all:1', '-t', 'ce-test/all:latest', '--build-arg', 'FLAVOUR=spicy', dir]);
    expect(out).toMatch(/^Sending build context to Docker daemon {2}\d/);
    expect(out).toContain('Step 1/19 : ARG BASE=busybox\nStep 2/19 : FROM $BASE\n ---> ');
    expect(out).toMatch(/Step 10\/19 : RUN echo "\$GREETING \$FLAVOUR" > built.txt && ls \/opt\/bundled > listing.txt\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
    expect(out).toMatch(/Successfully built [0-9a-f]{12}\nSuccessfully tagged ce-test\/all:1\nSuccessfully tagged ce-test\/all:latest\n$/);

    expect(await ok(['run', '--rm', 'ce-test/all:1'])).toBe('hello spicy\n');
    expect(await ok(['run', '--rm', '--entrypoint', 'cat', 'ce-test/all:1', '/srv/app/src/main.sh', '/opt/bundled/inside.txt', '/srv/app/listing.txt'])).toBe('echo main\nunpacked\ninside.txt\n');
    expect(await ok(['run', '--rm', '--user', 'root', '--entrypoint', 'stat', 'ce-test/all:1', '-c', '%u:%g %a', '/docs/readme.txt'])).toBe('65534:65534 640\n');

    const [info] = JSON.parse(await ok(['image', 'inspect', 'ce-test/all:1']));
    expect(info.Config).toMatchObject({
      User: 'nobody',
      WorkingDir: '/srv/app',
      Env: expect.arrayContaining(['APP_HOME=/srv/app', 'GREETING=hello']),
      Labels: { 'org.example.team': 'ce builders', version: '1' },
      ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
      Volumes: { '/data': {} },
      StopSignal: 'SIGTERM',
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Timeout: 3e9 },
      Shell: ['/bin/sh', '-c'],
      OnBuild: ['RUN echo child'],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['cat built.txt'],
    });
    // The build arg is not kept in the image's environment.
    expect(info.Config.Env.some((e: string) => e.startsWith('FLAVOUR='))).toBe(false);

    const history = await ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'ce-test/all:1']);
    const lines = history.trim().split('\n');
    expect(lines[0]).toBe('/bin/sh -c #(nop)  CMD ["cat built.txt"]');
    expect(lines).toContain('|1 FLAVOUR=spicy /bin/sh -c echo "$GREETING $FLAVOUR" > built.txt && ls /opt/bundled > listing.txt');
    expect(lines).toContain('/bin/sh -c #(nop) WORKDIR /srv/app');
    expect(lines.some((l) => /^\/bin\/sh -c #\(nop\) COPY dir:[0-9a-f]{64} in \.\/src\/ $/.test(l))).toBe(true);
    expect(await buildContainerFolders()).toBe(0);
  });

  it('builds a multi-stage Dockerfile, copying from a stage by name and by index, and stops at --target', async () => {
    const dir = await context('multi', {
      Dockerfile: [
        'FROM busybox AS tools',
        'RUN mkdir -p /out && echo tool > /out/tool && echo other > /out/other',
        'FROM busybox as second',
        'RUN echo second > /second',
        'FROM scratch',
        'COPY --from=tools /out/tool /bin/tool',
        'COPY --from=1 /second /second',
        '',
      ].join('\n'),
    });
    await ok(['build', '-q', '-t', 'ce-test/multi', dir]);
    const exported = await run(['create', 'ce-test/multi', 'x']);
    expect(exported.code).toBe(0);
    const id = exported.stdout.trim();
    try {
      const tar = await run(['export', id]);
      expect(tar.code).toBe(0);
      expect(tar.stdout).toContain('bin/tool');
      expect(tar.stdout).toContain('second');
      expect(tar.stdout).not.toContain('busybox');
    } finally {
      await ok(['rm', id]);
    }
    const quiet = await ok(['build', '-q', '--target', 'second', '-t', 'ce-test/second', dir]);
    expect(quiet).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(await ok(['run', '--rm', 'ce-test/second', 'cat', '/second'])).toBe('second\n');
    const unknown = await run(['build', '--target', 'nosuch', dir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('failed to reach build target nosuch in Dockerfile');
  });

  it('leaves out what .dockerignore excludes, but sends its exceptions', async () => {
    const dir = await context('ignore', {
      Dockerfile: 'FROM busybox\nCOPY . /ctx/\nRUN find /ctx | sort\n',
      '.dockerignore': '*.log\nsecrets/\n!keep.log\nDockerfile\n.dockerignore\n',
      'app.txt': 'app',
      'debug.log': 'noise',
      'keep.log': 'kept',
      'secrets/key': 'hidden',
    });
    const out = await ok(['build', '--no-cache', '-t', 'ce-test/ignore', dir]);
    expect(out).toContain('/ctx/app.txt\n');
    expect(out).toContain('/ctx/keep.log\n');
    expect(out).not.toContain('debug.log');
    expect(out).not.toContain('secrets');
    // Sent for the build, but excluded from what COPY sees.
    expect(out).not.toContain('/ctx/Dockerfile');
    expect(out).not.toContain('/ctx/.dockerignore');
  });

  it('uses the cache on a rebuild and after a ced restart; a changed source reuses every step before its COPY', async () => {
    const dir = await context('cache', {
      Dockerfile: 'FROM busybox\nRUN echo slow > /slow\nCOPY app.txt /app.txt\nRUN cat /app.txt > /copy\n',
      'app.txt': 'one\n',
    });
    const first = await ok(['build', '-t', 'ce-test/cache', dir]);
    expect(first).not.toContain('Using cache');
    const again = await ok(['build', '-t', 'ce-test/cache', dir]);
    expect(again.match(/ ---> Using cache/g)).toHaveLength(3);
    const builtId = (s: string) => /Successfully built ([0-9a-f]{12})/.exec(s)![1];
    expect(builtId(again)).toBe(builtId(first));

    // A ced killed and started again: the cache is kept with its images.
    await daemon.kill9();
    await daemon.restart();
    const afterRestart = await ok(['build', '-t', 'ce-test/cache', dir]);
    expect(afterRestart.match(/ ---> Using cache/g)).toHaveLength(3);

    await writeFile(join(dir, 'app.txt'), 'two\n');
    const changed = await ok(['build', '-t', 'ce-test/cache', dir]);
    expect(changed).toMatch(/Step 2\/4 : RUN echo slow > \/slow\n ---> Using cache\n/);
    expect(changed).toMatch(/Step 3\/4 : COPY app.txt \/app.txt\n ---> [0-9a-f]{12}\n/);
    expect(changed).toMatch(/Step 4\/4 : RUN cat \/app.txt > \/copy\n ---> Running in/);
    expect(await ok(['run', '--rm', 'ce-test/cache', 'cat', '/copy'])).toBe('two\n');

    // The cache's step images are intermediate images: listed with -a only.
    expect(await ok(['images', '--format', '{{.Repository}}'])).not.toContain('ce-build-cache');
    expect(await ok(['images', '-a', '--format', '{{.Repository}}'])).toContain('ce-build-cache');
    // The first build's COPY and RUN images are kept by their cache names only: they go, with their layers' bytes.
    const prune = await ok(['builder', 'prune', '-f']);
    expect(prune).toMatch(/^Deleted build cache objects:\n(sha256:[0-9a-f]{64}\n)+\nTotal reclaimed space: [1-9][0-9.]*k?B\n$/);
    expect(await ok(['images', '-a', '--format', '{{.Repository}}'])).not.toContain('ce-build-cache');
    expect(await ok(['builder', 'prune', '-f'])).toBe('Total reclaimed space: 0B\n');
    const pruned = await ok(['build', '-t', 'ce-test/cache', dir]);
    expect(pruned).not.toContain('Using cache');
  });

  it("fails a RUN with Docker's message and exit code, tagging nothing and leaving no container", async () => {
    const dir = await context('fail', { Dockerfile: 'FROM busybox\nRUN echo before && exit 3\n' });
    const r = await run(['build', '-t', 'ce-test/failed', dir]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('before\n');
    expect(r.stderr).toBe("ce: The command '/bin/sh -c echo before && exit 3' returned a non-zero code: 3\n");
    const images = await ok(['images', '--format', '{{.Repository}}']);
    expect(images).not.toContain('ce-test/failed');
    expect(await buildContainerFolders()).toBe(0);
    expect(await ok(['ps', '-a', '-q'])).toBe('');
  });

  it('stops the RUN and removes its container when the client is interrupted (ctrl-c)', async () => {
    const dir = await context('interrupt', { Dockerfile: 'FROM busybox\nRUN echo started && sleep 300\n' });
    const [node, ...argv] = ceArgv(daemon.socket, 'build', '-t', 'ce-test/interrupted', dir);
    const child = spawn(node!, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await until('the RUN step to print', () => out.includes('started\n'));
    expect(await buildContainerFolders()).toBe(1);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await until('the build container to be removed', async () => (await buildContainerFolders()) === 0);
    const tasks = await readdir(join(daemon.state, 'build-tasks')).catch(() => []);
    expect(tasks).toEqual([]);
    expect(await ok(['images', '-a', '--format', '{{.Repository}}'])).not.toContain('ce-test/interrupted');
  });

  it('a ced killed during a RUN: the next ced removes the build container and its task', async () => {
    const dir = await context('killed', { Dockerfile: 'FROM busybox\nRUN echo started && sleep 300\n' });
    const [node, ...argv] = ceArgv(daemon.socket, 'build', dir);
    const child = spawn(node!, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await until('the RUN step to print', () => out.includes('started\n'));
    await daemon.kill9();
    expect(await exited).not.toBe(0);
    await daemon.restart();
    expect(await buildContainerFolders()).toBe(0);
    expect(await readdir(join(daemon.state, 'build-tasks')).catch(() => [])).toEqual([]);
    expect(daemon.log()).toContain('removed the build containers a previous ced left');
  });

  it('discards what a RUN writes under a VOLUME path, as Docker does, and leaves no volume behind', async () => {
    const volumesBefore = await ok(['volume', 'ls', '-q']);
    const dir = await context('volume-mask', {
      Dockerfile: [
        'FROM busybox',
        'RUN mkdir -p /data && echo kept > /data/before.txt',
        'VOLUME /data',
        'RUN echo discarded > /data/after.txt && cat /data/before.txt',
        'RUN ls /data > /listing.txt',
        '',
      ].join('\n'),
    });
    const out = await ok(['build', '-t', 'volume-mask:1', dir]);
    expect(out).toContain('kept\n');
    expect(await ok(['run', '--rm', '--entrypoint', 'cat', 'volume-mask:1', '/listing.txt'])).toBe('before.txt\n');
    expect(await ok(['run', '--rm', '-v', '/data', '--entrypoint', 'ls', 'volume-mask:1', '/data'])).toBe('before.txt\n');
    expect(await ok(['volume', 'ls', '-q'])).toBe(volumesBefore);
    await ok(['rmi', 'volume-mask:1']);
  });

  it('runs RUN steps on the network --network names: default (bridge), none, host', async () => {
    const dir = await context('network', { Dockerfile: 'FROM busybox\nRUN cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " " | sort\n' });
    const interfaces = async (network: string) => {
      const out = await ok(['build', '--no-cache', '--network', network, dir]);
      return /Running in [0-9a-f]{12}\n([\s\S]*?)Removing intermediate/.exec(out)![1]!.trim().split('\n');
    };
    expect(await interfaces('none')).toEqual(['lo']);
    expect(await interfaces('default')).toEqual(['eth0', 'lo']);
    // The host's own interfaces: its loopback and this test's bridge among them.
    expect(await interfaces('host')).toEqual(expect.arrayContaining(['lo', daemon.network.bridge]));
  });

  it.skipIf(!existsSync(REGISTRY_BIN))('pulls a base image that is missing, and every base with --pull', async () => {
    const reg = await startRegistry();
    try {
      const base = `${reg.host}/e2e/base:v1`;
      await ok(['tag', 'busybox', base]);
      await ok(['push', '-q', base]);
      await ok(['rmi', base]);
      const dir = await context('pull', { Dockerfile: `FROM ${base}\nRUN echo pulled > /pulled\n` });
      const out = await ok(['build', '-t', 'ce-test/pulled', dir]);
      expect(out).toContain(`Step 1/2 : FROM ${base}\n`);
      expect(await ok(['run', '--rm', 'ce-test/pulled', 'cat', '/pulled'])).toBe('pulled\n');
      expect(await ok(['images', '--format', '{{.Repository}}:{{.Tag}}', `${reg.host}/e2e/base`])).toBe(`${base}\n`);
      await reg.stop();
      // --pull goes to the registry even with the image present: it is gone now.
      const refused = await run(['build', '--pull', dir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(reg.host);
    } finally {
      await reg.stop().catch(() => undefined);
    }
  });

  it('ADD fetches a URL (a loopback server here) as a 0600 file, never unpacked, its content in the cache key', async () => {
    let body = 'remote one\n';
    const tarBytes = execFileSync('tar', ['-cf', '-', '-C', await context('remote-archive', { 'inside.txt': 'inside\n' }), 'inside.txt']);
    const server = createServer((req, res) => {
      if (req.url === '/files/remote.txt') res.writeHead(200, { 'Last-Modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }).end(body);
      else if (req.url === '/files/archive.tar') res.end(tarBytes);
      else res.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;
    try {
      const dir = await context('remote', { Dockerfile: `FROM busybox\nADD ${base}/remote.txt /remote/\nADD ${base}/archive.tar /archive.tar\n` });
      await ok(['build', '-t', 'ce-test/remote', dir]);
      const stat = (path: string) => ok(['run', '--rm', 'ce-test/remote', 'stat', '-c', '%a %F', path]);
      expect(await stat('/remote/remote.txt')).toBe('600 regular file\n');
      expect(await stat('/archive.tar')).toBe('600 regular file\n');
      expect(await ok(['run', '--rm', 'ce-test/remote', 'stat', '-c', '%Y', '/remote/remote.txt'])).toBe(`${Date.parse('2025-01-01T00:00:00Z') / 1000}\n`);
      expect((await ok(['build', '-t', 'ce-test/remote', dir])).match(/Using cache/g)).toHaveLength(2);
      body = 'remote two\n';
      const changed = await ok(['build', '-t', 'ce-test/remote', dir]);
      expect(changed).toMatch(/Step 2\/3 : ADD \S+remote.txt \/remote\/\n ---> [0-9a-f]{12}\n/);
      expect(await ok(['run', '--rm', 'ce-test/remote', 'cat', '/remote/remote.txt'])).toBe('remote two\n');
      const missing = await run(['build', await context('remote-404', { Dockerfile: `FROM busybox\nADD ${base}/nosuch.txt /\n` })]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(`ce: ADD failed: failed to GET ${base}/nosuch.txt with status 404 Not Found: not here\n`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("refuses bad input with Docker's words", async () => {
    const missing = await run(['build', await context('missing', { Dockerfile: 'FROM busybox\nCOPY nosuch /\n' })]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('ce: COPY failed: file not found in build context or excluded by .dockerignore: stat nosuch: file does not exist\n');
    const outside = await run(['build', await context('outside', { Dockerfile: 'FROM busybox\nCOPY ../secret /\n' })]);
    expect(outside.stderr).toBe('ce: COPY failed: forbidden path outside the build context: ../secret ()\n');
    const unknown = await run(['build', await context('unknown', { Dockerfile: 'FROM busybox\nFROBNICATE now\n' })]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown instruction: FROBNICATE');
    const noPath = await run(['build', join(work, 'nosuch')]);
    expect(noPath.stderr).toBe(`ce: unable to prepare context: path "${join(work, 'nosuch')}" not found\n`);
    expect(await buildContainerFolders()).toBe(0);
  });

  it('reads the Dockerfile from stdin (-f - and build -) and from outside the context, and writes --iidfile', async () => {
    const dir = await context('stdin', { 'data.txt': 'data\n' });
    const iid = join(work, 'iid');
    await ok(['build', '-q', '-f', '-', '--iidfile', iid, '-t', 'ce-test/stdin', dir], 'FROM busybox\nCOPY data.txt /\n');
    const id = await readFile(iid, 'utf8');
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await ok(['run', '--rm', 'ce-test/stdin', 'cat', '/data.txt'])).toBe('data\n');
    const noContext = await ok(['build', '-q', '-'], 'FROM busybox\nENV FROM_STDIN=1\n');
    expect(noContext).toMatch(/^sha256:/);
    await writeFile(join(work, 'Outside.Dockerfile'), 'FROM busybox\nLABEL outside=yes\n');
    await ok(['build', '-q', '-f', join(work, 'Outside.Dockerfile'), '-t', 'ce-test/outside', dir]);
    const [info] = JSON.parse(await ok(['image', 'inspect', 'ce-test/outside']));
    expect(info.Config.Labels).toEqual({ outside: 'yes' });
  });
});
