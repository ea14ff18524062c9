// Issue 12: Debian's docker-compose (1.29) against ced's Docker API: `up -d`,
// `ps`, `logs` and `down -v` on a two-service project — a busybox httpd with a
// published port on loopback, a health check and a named volume, and a client
// that waits for it to be healthy and fetches from it by service name; and
// `build` of a service from a Dockerfile in a subfolder (POST /build); and
// each of docker-compose and `ce compose` listing a project the other brought up.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import type { CeResult } from './support/ce.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerCli } from './support/docker-cli.js';

const COMPOSE = '/usr/bin/docker-compose';
const composeMissing = existsSync(COMPOSE) ? '' : `needs ${COMPOSE} (apt-get install docker-compose)`;
const project = `cedapi${process.pid}`;

// Version 2.4: Compose 1.29's formats that have depends_on's condition: service_healthy.
const COMPOSE_FILE = `version: "2.4"
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo hello-from-web > /www/index.html && exec httpd -f -v -p 80 -h /www"]
    ports:
      - "127.0.0.1::80"
    volumes:
      - site:/www
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]
      interval: 1s
      timeout: 3s
      retries: 30
  client:
    image: busybox
    depends_on:
      web:
        condition: service_healthy
    command: ["sh", "-c", "printf 'GET / HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | nc web 80; exec sleep 300"]
volumes:
  site: {}
`;

// The project for the cross-tool test: one up with `ce compose`, one with docker-compose, from this same file.
const CROSS_FILE = `version: "2.4"
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo cross > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports:
      - "127.0.0.1::80"
  worker:
    image: busybox
    command: ["sleep", "300"]
    network_mode: none
`;

/** GET http://127.0.0.1:port/ from the host. */
function fetchText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe.skipIf(composeMissing !== '')(`docker-compose 1.29 against ced ${composeMissing}`, () => {
  let daemon: TestDaemon;
  let dir: string;

  const compose = (args: string[]): Promise<CeResult> =>
    dockerCli(['--ansi', 'never', '-p', project, '-f', join(dir, 'docker-compose.yml'), ...args], { daemon, program: COMPOSE, cwd: dir, timeoutMs: 180_000 });

  beforeAll(async () => {
    daemon = await startTestDaemon();
    await importBusyboxImage(daemon.socket);
    dir = mkdtempSync(join(tmpdir(), 'ce-e2e-compose-'));
    writeFileSync(join(dir, 'docker-compose.yml'), COMPOSE_FILE);
  });

  afterAll(async () => {
    if (daemon) {
      await compose(['down', '-v', '-t', '1']).catch(() => undefined);
      // Whatever a failed run left: the project's containers, network and volume, by compose's labels.
      const left = await ce(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], { socket: daemon.socket });
      for (const id of left.stdout.split('\n').filter(Boolean)) await ce(['rm', '-f', id], { socket: daemon.socket });
      await ce(['network', 'rm', `${project}_default`], { socket: daemon.socket });
      await ce(['volume', 'rm', '-f', `${project}_site`], { socket: daemon.socket });
      await daemon.dispose();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('up -d starts web, waits for it to be healthy, then starts the client', async () => {
    const up = await compose(['up', '-d']);
    expect(up.stderr).toContain(`Creating network "${project}_default" with the default driver`);
    expect(up.stderr).toContain(`Creating volume "${project}_site" with default driver`);
    expect(up.stderr).toMatch(new RegExp(`Creating ${project}_web_1 \\.\\.\\. done`));
    expect(up.stderr).toMatch(new RegExp(`Creating ${project}_client_1 \\.\\.\\. done`));
    expect(up.code).toBe(0);
  });

  it('ps shows both services up, web healthy with its published port', async () => {
    const ps = await compose(['ps']);
    expect(ps.code).toBe(0);
    const web = ps.stdout.split('\n').find((l) => l.startsWith(`${project}_web_1`));
    const client = ps.stdout.split('\n').find((l) => l.startsWith(`${project}_client_1`));
    expect(web).toMatch(/Up \(healthy\)\s+127\.0\.0\.1:\d+->80\/tcp/);
    expect(client).toMatch(/\bUp\b/);
    const port = Number(/127\.0\.0\.1:(\d+)->80/.exec(web!)![1]);
    expect(await fetchText(port)).toBe('hello-from-web\n');
  });

  it('logs shows the client fetched from web by its service name', async () => {
    const logs = await compose(['logs', '--no-color', 'client']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/client_1\s+\| hello-from-web/);
  });

  it('build builds a service from a subfolder through POST /build, tagged <project>_<service>, with its args and target', async () => {
    mkdirSync(join(dir, 'app'), { recursive: true });
    writeFileSync(join(dir, 'app', 'Dockerfile'), 'FROM busybox AS base\nARG GREETING\nRUN echo "built with $GREETING" > /greeting\nFROM base AS final\nCMD ["cat", "/greeting"]\nFROM base AS broken\nRUN exit 7\n');
    writeFileSync(join(dir, 'build.yml'), 'version: "3.8"\nservices:\n  app:\n    build:\n      context: ./app\n      target: final\n      args:\n        GREETING: compose\n');
    const built = await dockerCli(['--ansi', 'never', '-p', `${project}b`, '-f', join(dir, 'build.yml'), 'build'], { daemon, program: COMPOSE, cwd: dir, timeoutMs: 180_000 });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toContain(`Successfully tagged ${project}b_app:latest`);
    const run = await ce(['run', '--rm', '--network', 'none', `${project}b_app`], { socket: daemon.socket });
    expect(run).toMatchObject({ code: 0, stdout: 'built with compose\n' });
    await ce(['rmi', `${project}b_app`], { socket: daemon.socket });
  });

  it('each tool sees the project the other brought up: docker-compose ps after ce compose up -d, and ce compose ps after docker-compose up -d', async () => {
    const file = join(dir, 'cross.yml');
    writeFileSync(file, CROSS_FILE);
    const viaCe = (name: string, args: string[]) => ce(['compose', '-p', name, '-f', file, ...args], { socket: daemon.socket, timeoutMs: 180_000 });
    const viaCompose = (name: string, args: string[]) => dockerCli(['--ansi', 'never', '-p', name, '-f', file, ...args], { daemon, program: COMPOSE, cwd: dir, timeoutMs: 180_000 });
    const byCe = `${project}ce`;
    const byCompose = `${project}dc`;
    const left = async (name: string) => (await ce(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`], { socket: daemon.socket })).stdout;
    try {
      const upCe = await viaCe(byCe, ['up', '-d']);
      expect(upCe.code, upCe.stderr).toBe(0);
      const upCompose = await viaCompose(byCompose, ['up', '-d']);
      expect(upCompose.code, upCompose.stderr).toBe(0);
      for (const name of [byCe, byCompose]) {
        const theirs = await viaCompose(name, ['ps']);
        expect(theirs).toMatchObject({ code: 0, stderr: '' });
        expect(theirs.stdout).toMatch(new RegExp(`^${name}_web_1 .* Up +127\\.0\\.0\\.1:\\d+->80/tcp *$`, 'm'));
        expect(theirs.stdout).toMatch(new RegExp(`^${name}_worker_1 .* Up *$`, 'm'));
        expect(await viaCe(name, ['ps']), name).toEqual(theirs);
        const ids = async (r: Promise<CeResult>) => (await r).stdout.split('\n').filter(Boolean).sort();
        expect(await ids(viaCe(name, ['ps', '-q']))).toEqual(await ids(viaCompose(name, ['ps', '-q'])));
      }
      // And each takes the other's down.
      expect((await viaCompose(byCe, ['down', '-t', '1'])).code).toBe(0);
      expect((await viaCe(byCompose, ['down', '-t', '1'])).code).toBe(0);
      expect(await left(byCe)).toBe('');
      expect(await left(byCompose)).toBe('');
    } finally {
      await viaCe(byCe, ['down', '-t', '1']).catch(() => undefined);
      await viaCompose(byCompose, ['down', '-t', '1']).catch(() => undefined);
    }
  });

  it('down -v removes the containers, the network and the named volume', async () => {
    const down = await compose(['down', '-v', '-t', '1']);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(`Removing network ${project}_default`);
    expect(down.stderr).toContain(`Removing volume ${project}_site`);
    expect((await ce(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], { socket: daemon.socket })).stdout).toBe('');
    expect((await ce(['volume', 'ls', '-q'], { socket: daemon.socket })).stdout).not.toContain(`${project}_site`);
    expect((await ce(['network', 'ls', '-q', '--filter', `name=${project}_default`], { socket: daemon.socket })).stdout).toBe('');
  });
});
