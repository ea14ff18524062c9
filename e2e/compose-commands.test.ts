// ce compose's pull, config, logs -f and a service's entrypoint with the real
// ce and ced, each held against what Debian's docker-compose 1.29 prints for
// the same project (run against the same ced's docker.sock; `config` needs no
// daemon). Images come from a loopback registry, never Docker Hub.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_BIN, startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce, ceArgv, type CeResult } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerCli, dockerSocketOf } from './support/docker-cli.js';

const COMPOSE = '/usr/bin/docker-compose';
const composeMissing = existsSync(COMPOSE) ? '' : `needs ${COMPOSE} (apt-get install docker-compose)`;
const registryMissing = existsSync(REGISTRY_BIN) ? '' : `needs ${REGISTRY_BIN} (apt-get install docker-registry)`;

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ce-compose-commands-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A project folder (its name is the project's) with its docker-compose.yml and other files. */
function projectDir(name: string, compose: string, files: Record<string, string> = {}): string {
  const folder = join(dir, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  writeFileSync(join(folder, 'docker-compose.yml'), compose);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, file), text);
  return folder;
}

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('COMPOSE_')));
  return { ...clean, ...extra };
};
const ceCompose = (folder: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
  ce(['compose', '-f', join(folder, 'docker-compose.yml'), ...args], { socket: daemon.socket, env: extra, timeoutMs: 110_000 });
const dockerCompose = (folder: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
  dockerCli(['--ansi', 'never', '-f', join(folder, 'docker-compose.yml'), ...args], { daemon, program: COMPOSE, cwd: folder, env: env(extra), timeoutMs: 110_000 });

/** A command still running: its output so far, a wait for a text in it, and its end. */
function started(argv: string[], childEnv: NodeJS.ProcessEnv, cwd?: string) {
  const child = spawn(argv[0]!, argv.slice(1), { env: childEnv, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<CeResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return {
    output: () => stdout,
    ended,
    stop: () => child.kill('SIGKILL'),
  };
}

const CONFIG_FILE = `version: "3.8"
services:
  web:
    image: busybox:\${TAG:-latest}
    entrypoint: ["sh", "-c"]
    command: "echo hi"
    environment:
      - A=1
      - FROM_SHELL
      - UNSET_HERE
      - ANSWER=yes
    ports:
      - "127.0.0.1:8080:80"
      - "9000"
    volumes:
      - data:/data
      - ./site:/www:ro
    labels:
      team: blue
    depends_on:
      - db
    restart: on-failure
  db:
    image: busybox
    entrypoint: /bin/sh -c "sleep 1"
    networks:
      back:
        aliases: [database]
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
volumes:
  data: {}
networks:
  back: {}
`;

describe('ce compose config', () => {
  it('prints the resolved project: variables substituted, paths absolute, short syntax made long', async () => {
    const folder = projectDir('configured', CONFIG_FILE, { '.env': 'TAG=1.36\n' });
    const r = await ceCompose(folder, ['config'], { FROM_SHELL: 'from the shell' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('    image: busybox:1.36\n');
    expect(r.stdout).toContain("    entrypoint:\n    - sh\n    - -c\n");
    expect(r.stdout).toContain('    entrypoint: /bin/sh -c "sleep 1"\n');
    expect(r.stdout).toContain("    environment:\n      A: '1'\n      ANSWER: \"yes\"\n      FROM_SHELL: from the shell\n      UNSET_HERE: null\n");
    expect(r.stdout).toContain(`    - ${folder}/site:/www:ro\n`);
    expect(r.stdout).toContain("    - 127.0.0.1:8080:80/tcp\n    - target: 9000\n");
    expect(r.stdout).toContain("version: '3.8'\n");

    // Dependencies first, as docker-compose lists them.
    expect(await ceCompose(folder, ['config', '--services'])).toEqual({ code: 0, stdout: 'db\nweb\n', stderr: '' });
    expect(await ceCompose(folder, ['config', '--volumes'])).toEqual({ code: 0, stdout: 'data\n', stderr: '' });
    expect(await ceCompose(folder, ['config', '-q'])).toEqual({ code: 0, stdout: '', stderr: '' });
    const bad = projectDir('config-bad', 'services:\n  web:\n    image: busybox\n    entrypoint: [3, {}]\n');
    const refused = await ceCompose(bad, ['config', '-q']);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/ is invalid because:\n/);
  });

  it.skipIf(composeMissing !== '')(`prints what docker-compose 1.29 config prints for the same files ${composeMissing}`, async () => {
    const folder = projectDir('configured-both', CONFIG_FILE, { '.env': 'TAG=1.36\n' });
    const shell = { FROM_SHELL: 'from the shell' };
    const theirs = await dockerCompose(folder, ['config'], shell);
    expect(theirs).toMatchObject({ code: 0, stderr: '' });
    expect(await ceCompose(folder, ['config'], shell)).toEqual(theirs);
    // No version: docker-compose takes it as 3.9; a service on the default network by choice says so.
    const plain = projectDir('configured-plain', 'services:\n  a:\n    image: busybox\n    networks: [default]\n    command: ["echo", "y", "on", "1.5"]\n  b:\n    image: busybox\n    network_mode: none\n');
    const plainTheirs = await dockerCompose(plain, ['config']);
    expect(plainTheirs.code).toBe(0);
    expect(await ceCompose(plain, ['config'])).toEqual(plainTheirs);
    for (const flag of ['--services', '--volumes', '-q']) expect(await ceCompose(folder, ['config', flag])).toEqual(await dockerCompose(folder, ['config', flag]));
  });
});

describe('ce compose: a service entrypoint', () => {
  it('runs the entrypoint with the command as its arguments, in the list and the shell forms', async () => {
    const folder = projectDir('entry', `services:
  listed:
    image: busybox
    network_mode: none
    entrypoint: ["/bin/echo", "from-entrypoint"]
    command: ["and", "command"]
  shell:
    image: busybox
    network_mode: none
    entrypoint: /bin/sh -c 'echo "shell form with $$0"'
    command: word
`);
    const up = await ceCompose(folder, ['up', '--no-color']);
    expect(up, up.stderr).toMatchObject({ code: 0 });
    for (const name of ['entry_listed_1', 'entry_shell_1']) ids.push((await ce(['inspect', '-f', '{{.Id}}', name], { socket: daemon.socket })).stdout.trim());
    expect(up.stdout).toContain('listed_1  | from-entrypoint and command\n');
    expect(up.stdout).toContain('shell_1   | shell form with word\n');
    const inspect = async (name: string) => (await ce(['inspect', '-f', '{{json .Config.Entrypoint}} {{json .Config.Cmd}}', name], { socket: daemon.socket })).stdout;
    expect(await inspect('entry_listed_1')).toBe('["/bin/echo","from-entrypoint"] ["and","command"]\n');
    expect(await inspect('entry_shell_1')).toBe('["/bin/sh","-c","echo \\"shell form with $0\\""] ["word"]\n');
    // A one-off container keeps the entrypoint and takes the command given; --entrypoint replaces it.
    expect(await ceCompose(folder, ['run', '--rm', '-T', 'listed', 'other', 'words'])).toMatchObject({ code: 0, stdout: 'from-entrypoint other words\n' });
    expect(await ceCompose(folder, ['run', '--rm', '-T', '--entrypoint', 'echo', 'listed', 'replaced'])).toMatchObject({ code: 0, stdout: 'replaced\n' });
    expect(await ceCompose(folder, ['down'])).toMatchObject({ code: 0 });
  });
});

describe('ce compose logs -f', () => {
  it('prints what was logged, then follows until the containers stop', async () => {
    const signal = join(dir, 'follow-signal');
    mkdirSync(signal);
    const folder = projectDir('follow', `services:
  talker:
    image: busybox
    network_mode: none
    volumes: ["${signal}:/signal"]
    command: sh -c 'echo one; until [ -e /signal/go ]; do sleep 0.1; done; echo two; echo err >&2'
`);
    const up = await ceCompose(folder, ['up', '-d']);
    expect(up, up.stderr).toMatchObject({ code: 0 });
    ids.push((await ce(['inspect', '-f', '{{.Id}}', 'follow_talker_1'], { socket: daemon.socket })).stdout.trim());
    const ours = started(ceArgv(daemon.socket, 'compose', '-f', join(folder, 'docker-compose.yml'), 'logs', '-f', '--no-color'), process.env);
    const theirs = composeMissing
      ? undefined
      : started([COMPOSE, '--ansi', 'never', '-f', join(folder, 'docker-compose.yml'), 'logs', '-f', '--no-color'], env({ DOCKER_HOST: `unix://${dockerSocketOf(daemon)}`, DOCKER_CONFIG: join(daemon.dir, 'docker-config') }), folder);
    try {
      await expect.poll(() => ours.output(), { timeout: 20_000 }).toContain('talker_1  | one\n');
      if (theirs) await expect.poll(() => theirs.output(), { timeout: 20_000 }).toContain('talker_1  | one\n');
      writeFileSync(join(signal, 'go'), '');
      const result = await ours.ended;
      expect(result).toEqual({ code: 0, stdout: 'Attaching to follow_talker_1\ntalker_1  | one\ntalker_1  | two\ntalker_1  | err\nfollow_talker_1 exited with code 0\n', stderr: '' });
      if (theirs) expect(result).toEqual(await theirs.ended);
    } finally {
      ours.stop();
      theirs?.stop();
    }
    expect(await ceCompose(folder, ['down'])).toMatchObject({ code: 0 });
  });
});

describe.skipIf(registryMissing !== '')(`ce compose pull ${registryMissing}`, () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('pulls each service\'s image from the registry, says so as docker-compose does, and names a missing one', async () => {
    const image = `${registry.host}/e2e/compose-pull:v1`;
    for (const args of [['tag', 'busybox', image], ['push', image], ['rmi', image]]) expect((await ce(args, { socket: daemon.socket })).code, args.join(' ')).toBe(0);
    const folder = projectDir('pulled', `services:\n  web:\n    image: ${image}\n  worker:\n    image: ${image}\n    network_mode: none\n  built:\n    build: .\n`, { Dockerfile: 'FROM busybox\n' });
    const imageThere = async () => (await ce(['image', 'inspect', image], { socket: daemon.socket })).code === 0;

    const pull = await ceCompose(folder, ['pull', 'web']);
    expect(pull).toEqual({ code: 0, stdout: '', stderr: 'Pulling web ... \r\nPulling web ... done\r\n' });
    expect(await imageThere()).toBe(true);
    expect((await ce(['run', '--rm', '--network', 'none', image, 'echo', 'pulled'], { socket: daemon.socket })).stdout).toBe('pulled\n');
    expect(await ceCompose(folder, ['pull', '-q'])).toEqual({ code: 0, stdout: '', stderr: '' });
    // Each service's line padded to the longest name; one that only builds has nothing to pull and is done.
    const all = await ceCompose(folder, ['pull']);
    expect(all).toEqual({
      code: 0,
      stdout: '',
      stderr: ['web    ... ', 'web    ... done', 'worker ... ', 'worker ... done', 'built  ... ', 'built  ... done'].map((l) => `Pulling ${l}\r\n`).join(''),
    });

    if (!composeMissing) {
      // docker-compose pulls in parallel and prints the daemon's statuses between ("pulling from …", "already exists"):
      // the lines that start and end each service are the same.
      const theirs = await dockerCompose(folder, ['pull']);
      const ends = (r: CeResult) => ({ ...r, stderr: r.stderr.split('\r\n').filter((l) => /\.\.\. (done)?$/.test(l)).sort() });
      expect(ends(all)).toEqual(ends(theirs));
      expect(await dockerCompose(folder, ['pull', '-q'])).toEqual({ code: 0, stdout: '', stderr: '' });
    }

    // A missing image: the other services are still pulled, then the failure is told, in docker-compose's words.
    const missing = projectDir('pull-missing', `services:\n  gone:\n    image: ${registry.host}/e2e/nosuch:v1\n  web:\n    image: ${image}\n`);
    const notFound = `manifest for ${registry.host}/e2e/nosuch:v1 not found: manifest unknown: manifest unknown`;
    const failed = await ceCompose(missing, ['pull']);
    expect(failed).toEqual({
      code: 1,
      stdout: '',
      stderr: `Pulling gone ... \r\nPulling gone ... error\r\nPulling web  ... \r\nPulling web  ... done\r\n\nERROR: for gone  ${notFound}\n${notFound}\n`,
    });
    const ignored = await ceCompose(missing, ['pull', '--ignore-pull-failures']);
    expect(ignored.code).toBe(0);
    expect(ignored.stderr).toContain('Pulling web  ... done\r\n');
    if (!composeMissing) {
      const ends = (r: CeResult) => ({ ...r, stderr: r.stderr.split('\r\n').filter((l) => !/^Pulling \S+ +\.\.\. (?!(done|error)?$)/.test(l)).sort() });
      expect(ends(failed)).toEqual(ends(await dockerCompose(missing, ['pull'])));
      // docker-compose 1.29.2's parallel pull still fails with --ignore-pull-failures (against dockerd too, which answers
      // this pull with the same 404): ce keeps the option's documented meaning, and the same per-service lines.
      const pulling = (r: CeResult) => ends(r).stderr.filter((l) => l.startsWith('Pulling '));
      expect(pulling(ignored)).toEqual(pulling(await dockerCompose(missing, ['pull', '--ignore-pull-failures'])));
    }
    await ce(['rmi', image], { socket: daemon.socket });
  });
});
