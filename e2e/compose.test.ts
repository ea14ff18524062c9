// ce compose with the real ce and ced: a two-service project (a busybox
// httpd with a published port on 127.0.0.1 and a health check, and a client
// that waits for it to be healthy, fetches from it by service name and keeps
// the page in a named volume) brought up, listed, read, entered, run once and
// taken down leaving nothing; and the bad inputs refused with their reasons.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { freePort, httpGet, poll } from './support/network-probes.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ce-compose-e2e-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A project folder with its docker-compose.yml (and .env); its name is the folder's. */
function projectDir(name: string, compose: string, dotenv = ''): string {
  const folder = join(dir, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  writeFileSync(join(folder, 'docker-compose.yml'), compose);
  if (dotenv) writeFileSync(join(folder, '.env'), dotenv);
  return folder;
}

const compose = (folder: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  ce(['compose', '-f', join(folder, 'docker-compose.yml'), ...args], { socket: daemon.socket, env, timeoutMs: 110_000 });

/** The project's default network gets a bridge named after the daemon's, so that no two test runs share one. */
const networkSection = (suffix: string) => `networks:\n  default:\n    driver_opts:\n      com.docker.network.bridge.name: ${daemon.network.bridge}${suffix}\n`;

const WEB = `sh -c 'mkdir -p /www && echo "hello from web" > /www/index.html && exec httpd -f -p 80 -h /www'`;
const FETCH = `printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc web 80`;

function twoServices(): string {
  return `version: "3.8"
services:
  web:
    image: busybox
    command: ${WEB}
    ports:
      - "127.0.0.1:\${WEB_PORT:?set WEB_PORT}:80"
    healthcheck:
      test: ["CMD-SHELL", "printf 'GET /index.html HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | nc 127.0.0.1 80 | grep -q hello"]
      interval: 1s
      retries: 30
    volumes:
      - data:/data
  client:
    image: busybox
    depends_on:
      web:
        condition: service_healthy
    environment:
      GREETING: \${GREETING}
    command: ["sh", "-c", '${FETCH} > /data/page; echo "$$GREETING"; cat /data/page; exec sleep 300']
    volumes:
      - data:/data
volumes:
  data:
${networkSection('c')}`;
}

async function projectObjects(project: string): Promise<{ containers: string; networks: string; volumes: string }> {
  const containers = (await ce(['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}'], { socket: daemon.socket })).stdout;
  const networks = (await ce(['network', 'ls', '--format', '{{.Name}}'], { socket: daemon.socket })).stdout;
  const volumes = (await ce(['volume', 'ls', '--format', '{{.Name}}'], { socket: daemon.socket })).stdout;
  return {
    containers: containers.trim(),
    networks: networks.split('\n').filter((n) => n.startsWith(`${project}_`)).join(','),
    volumes: volumes.split('\n').filter((v) => v.startsWith(`${project}_`)).join(','),
  };
}

describe('ce compose', () => {
  it('brings a two-service project up, lists, reads, enters and runs it, and takes it down leaving nothing', async () => {
    const port = await freePort();
    const folder = projectDir('Two-Services', twoServices(), 'GREETING=from the env file\n');
    const env = { WEB_PORT: String(port) };

    const up = await compose(folder, ['up', '-d'], env);
    expect(up, up.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(up.stderr).toContain('Creating network "two-services_default" with the default driver\n');
    expect(up.stderr).toContain('Creating volume "two-services_data" with default driver\n');
    expect(up.stderr).toContain('Creating two-services_web_1 ... done\r\n');
    expect(up.stderr).toContain('Creating two-services_client_1 ... done\r\n');
    // The client started only once the web server was healthy.
    expect(up.stderr.indexOf('Creating two-services_client_1 ... \r\n')).toBeGreaterThan(up.stderr.indexOf('Creating two-services_web_1 ... done'));
    for (const name of ['two-services_web_1', 'two-services_client_1']) {
      ids.push((await ce(['inspect', '-f', '{{.Id}}', name], { socket: daemon.socket })).stdout.trim());
    }
    const labels = JSON.parse((await ce(['inspect', '-f', '{{json .Config.Labels}}', 'two-services_web_1'], { socket: daemon.socket })).stdout) as Record<string, string>;
    expect(labels).toMatchObject({
      'com.docker.compose.project': 'two-services',
      'com.docker.compose.service': 'web',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.project.working_dir': folder,
      'com.docker.compose.project.config_files': join(folder, 'docker-compose.yml'),
      'com.docker.compose.version': '1.29.2',
    });
    expect(labels['com.docker.compose.config-hash']).toMatch(/^[0-9a-f]{64}$/);

    const ps = await compose(folder, ['ps'], env);
    expect(ps.code).toBe(0);
    const lines = ps.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s*Name\s+Command\s+State\s+Ports\s*$/);
    expect(lines[1]).toMatch(/^-+$/);
    // docker-compose cuts a command past 30 characters to its first 26 and " ...".
    expect(lines[2]).toMatch(/^two-services_client_1 {3}sh -c printf "GET \/index\.h \.\.\. {3}Up {13}/);
    expect(lines[3]).toMatch(new RegExp(`^two-services_web_1 {6}sh -c mkdir -p /www && ech \\.\\.\\. {3}Up \\(healthy\\) {3}127\\.0\\.0\\.1:${port}->80/tcp *$`));
    const quiet = await compose(folder, ['ps', '-q'], env);
    expect(quiet.stdout.trim().split('\n').sort()).toEqual([...ids].sort());

    // The published port, from the host.
    expect(await httpGet('127.0.0.1', port, '/index.html')).toBe('hello from web\n');

    // The client found the server by its service name; its output, prefixed.
    const clientLog = await poll(async () => {
      const r = await compose(folder, ['logs', '--no-color', 'client'], env);
      if (!r.stdout.includes('hello from web')) throw new Error(`client's log so far: ${r.stdout}${r.stderr}`);
      return r.stdout;
    });
    expect(clientLog).toMatch(/^Attaching to two-services_client_1\nclient_1  \| from the env file\nclient_1  \| HTTP\/1\.[01] 200 OK\r?\n/);
    const all = await compose(folder, ['logs', '--no-color', '--tail', '1'], env);
    expect(all.stdout).toMatch(/^Attaching to two-services_client_1, two-services_web_1\nclient_1  \| hello from web\n(web_1 {5}\| .*\n)?$/);

    // The named volume holds the page for the other service too.
    const exec = await compose(folder, ['exec', '-T', 'web', 'cat', '/data/page'], env);
    expect(exec).toMatchObject({ code: 0, stderr: '' });
    expect(exec.stdout).toContain('hello from web');
    const failing = await compose(folder, ['exec', '-T', 'web', 'sh', '-c', 'exit 3'], env);
    expect(failing.code).toBe(3);

    // A one-off container: the service's environment and volume, removed after.
    const run = await compose(folder, ['run', '--rm', '-T', '-e', 'EXTRA=yes', 'client', 'sh', '-c', 'echo "$GREETING $EXTRA"; cat /data/page'], env);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^from the env file yes\nHTTP\/1\.[01] 200 OK\r?\n/);
    expect((await projectObjects('two-services')).containers.split('\n').sort()).toEqual(['two-services_client_1', 'two-services_web_1']);
    const runFails = await compose(folder, ['run', '--rm', '-T', '--no-deps', 'client', 'sh', '-c', 'exit 5'], env);
    expect(runFails.code).toBe(5);

    // Nothing changed: nothing is recreated.
    const again = await compose(folder, ['up', '-d'], env);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stderr).toContain('two-services_web_1 is up-to-date\n');
    expect(again.stderr).toContain('two-services_client_1 is up-to-date\n');

    // A changed service is recreated (its config hash differs), the other left alone.
    const changed = await compose(folder, ['up', '-d'], { ...env, GREETING: 'changed' });
    expect(changed, changed.stderr).toMatchObject({ code: 0 });
    expect(changed.stderr).toContain('two-services_web_1 is up-to-date\n');
    expect(changed.stderr).toContain('Recreating two-services_client_1 ... done\r\n');
    ids.push((await ce(['inspect', '-f', '{{.Id}}', 'two-services_client_1'], { socket: daemon.socket })).stdout.trim());
    expect((await ce(['inspect', '-f', '{{json .Config.Env}}', 'two-services_client_1'], { socket: daemon.socket })).stdout).toContain('"GREETING=changed"');

    const down = await compose(folder, ['down', '-v'], env);
    expect(down, down.stderr).toMatchObject({ code: 0 });
    expect(down.stderr).toContain('Stopping two-services_client_1 ... done\r\n');
    // Padded to the longest name, as docker-compose pads them.
    expect(down.stderr).toContain('Removing two-services_web_1    ... done\r\n');
    expect(down.stderr).toContain('Removing network two-services_default\n');
    expect(down.stderr).toContain('Removing volume two-services_data\n');
    expect(await projectObjects('two-services')).toEqual({ containers: '', networks: '', volumes: '' });
  });

  it('refuses a file that is not YAML, an unknown key and a missing required variable, creating nothing', async () => {
    const bad = projectDir('bad', 'services:\n  web:\n    image: busybox\n   ports: [1]\n');
    const yamlError = await compose(bad, ['up', '-d']);
    expect(yamlError.code).toBe(1);
    expect(yamlError.stderr).toMatch(/^yaml\.parser\.ParserError: .*\n {2}in ".*docker-compose\.yml", line \d+, column \d+\n$/);

    const unknown = projectDir('unknown', 'services:\n  web:\n    image: busybox\n    foo: bar\n');
    const unknownError = await compose(unknown, ['up', '-d']);
    expect(unknownError).toMatchObject({ code: 1, stdout: '' });
    expect(unknownError.stderr).toMatch(/^The Compose file '.*docker-compose\.yml' is invalid because:\nUnsupported config option for services\.web: 'foo'\n$/);

    const missing = projectDir('missing', 'services:\n  web:\n    image: ${IMAGE:?the image to run}\n');
    const missingError = await compose(missing, ['up', '-d']);
    expect(missingError).toMatchObject({
      code: 1,
      stderr: 'Missing mandatory value for "image" option interpolating ${IMAGE:?the image to run} in service "web": the image to run\n',
    });

    // A usage error is docker-compose's exit 1, not docker's 125.
    expect(await compose(missing, ['up', '--bogus'])).toMatchObject({ code: 1, stderr: "error: unknown option '--bogus'\n" });

    for (const project of ['bad', 'unknown', 'missing']) expect(await projectObjects(project)).toEqual({ containers: '', networks: '', volumes: '' });
  });

  it('without -d, follows the logs until the containers stop', async () => {
    const folder = projectDir('attached', `services:\n  hello:\n    image: busybox\n    command: sh -c 'echo hi; echo there'\n    network_mode: none\n`);
    const up = await compose(folder, ['up', '--no-color']);
    expect(up, up.stderr).toMatchObject({ code: 0, stdout: 'Attaching to attached_hello_1\nhello_1  | hi\nhello_1  | there\nattached_hello_1 exited with code 0\n' });
    ids.push((await ce(['inspect', '-f', '{{.Id}}', 'attached_hello_1'], { socket: daemon.socket })).stdout.trim());
    expect(await compose(folder, ['down'])).toMatchObject({ code: 0, stderr: 'Removing attached_hello_1 ... \r\nRemoving attached_hello_1 ... done\r\n' });
    expect(await projectObjects('attached')).toEqual({ containers: '', networks: '', volumes: '' });
  });

  it('says which port is in use and leaves what docker-compose leaves, which down removes', async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const folder = projectDir('busy', `services:\n  web:\n    image: busybox\n    command: ${WEB}\n    ports: ["127.0.0.1:${port}:80"]\n${networkSection('b')}`);
      const up = await compose(folder, ['up', '-d']);
      expect(up.code).toBe(1);
      expect(up.stderr).toContain('Creating busy_web_1 ... error\r\n');
      expect(up.stderr).toMatch(new RegExp(`for busy_web_1 {2}Cannot start service web: .*127\\.0\\.0\\.1:${port}`));
      expect(up.stderr).toMatch(/Encountered errors while bringing up the project\.\n$/);
      // As docker-compose: the network and the created container stay; nothing runs.
      const left = await projectObjects('busy');
      expect(left).toEqual({ containers: 'busy_web_1', networks: 'busy_default', volumes: '' });
      ids.push((await ce(['inspect', '-f', '{{.Id}}', 'busy_web_1'], { socket: daemon.socket })).stdout.trim());
      expect((await ce(['inspect', '-f', '{{.State.Status}}', 'busy_web_1'], { socket: daemon.socket })).stdout.trim()).toBe('created');
      expect(await compose(folder, ['down'])).toMatchObject({ code: 0 });
      expect(await projectObjects('busy')).toEqual({ containers: '', networks: '', volumes: '' });
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });
});
