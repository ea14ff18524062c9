// ced's daemon.json (--config-file), its API socket's group, and SIGHUP's reload, as a user sees them.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { cgroupsFor, mountsUnder, processesMentioning } from './support/leaks.js';
import { ceBin, cedBin } from './support/paths.js';

const groupGid = (name: string): number | undefined => {
  const r = spawnSync('getent', ['group', name], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.split(':')[2]) : undefined;
};

/** Polls `check` every 50 ms for up to 10 s. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('ced --config-file daemon.json', () => {
  let daemon: TestDaemon | undefined;
  let configDir: string;
  let configFile: string;
  const ids: string[] = [];
  // ced adds the "ce" group when it is missing; the test removes it only if it was not there before.
  const groupExisted = groupGid('ce') !== undefined;
  const run = (args: string[]) => ce(args, { socket: daemon!.socket });
  const writeConfig = (json: object) => writeFileSync(configFile, JSON.stringify(json, null, 2));

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'ce-e2e-config-'));
    configFile = join(configDir, 'daemon.json');
    writeConfig({ 'log-level': 'info', 'default-ulimits': { nofile: { Name: 'nofile', Hard: 2048, Soft: 1024 } } });
    daemon = await startTestDaemon(['--config-file', configFile], { logLevelFlag: false });
    await importBusyboxImage(daemon.socket);
  });
  afterAll(async () => {
    try {
      if (daemon) {
        await daemon.dispose();
        expect(mountsUnder(daemon.dir)).toEqual([]);
        expect(processesMentioning(daemon.dir)).toEqual([]);
        expect(cgroupsFor(ids)).toEqual([]);
      }
    } finally {
      rmSync(configDir, { recursive: true, force: true });
      if (!groupExisted && groupGid('ce') !== undefined) execFileSync('groupdel', ['ce']);
    }
  });

  it('serves its socket with mode 0660 and group "ce"', () => {
    const st = statSync(daemon!.socket);
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.gid).toBe(groupGid('ce'));
  });

  it("gives containers the file's default-ulimits unless they set their own", async () => {
    const byDefault = await run(['run', '--name', 'ulimit-default', 'busybox', 'sh', '-c', 'ulimit -Sn; ulimit -Hn']);
    expect(byDefault.stdout, byDefault.stderr).toBe('1024\n2048\n');
    const own = await run(['run', '--name', 'ulimit-own', '--ulimit', 'nofile=512:512', 'busybox', 'sh', '-c', 'ulimit -Sn; ulimit -Hn']);
    expect(own.stdout, own.stderr).toBe('512\n512\n');
    for (const name of ['ulimit-default', 'ulimit-own']) ids.push((await run(['inspect', '-f', '{{.Id}}', name])).stdout.trim());
    expect((await run(['rm', 'ulimit-default', 'ulimit-own'])).code).toBe(0);
  });

  it('on SIGHUP applies a new log level and runtimes from the file, and says which changes need a restart', async () => {
    const debugLines = () => daemon!.log().split('\n').filter((l) => l.includes('"image record written"')).length;
    expect((await run(['tag', 'busybox', 'cfg-before'])).code).toBe(0);
    expect(debugLines()).toBe(0);

    expect((await run(['info'])).stdout).not.toMatch(/Runtimes: .*\balt\b/);
    writeConfig({ 'log-level': 'debug', mtu: 1400, runtimes: { alt: { path: '/usr/bin/runc' } }, 'default-ulimits': { nofile: { Name: 'nofile', Hard: 2048, Soft: 1024 } } });
    daemon!.process.kill('SIGHUP');
    await eventually(() => daemon!.log().includes('"reloaded configuration"'), 'the reload to be logged');
    const reloaded = daemon!.log().split('\n').find((l) => l.includes('"reloaded configuration"'))!;
    expect(JSON.parse(reloaded)).toMatchObject({ applied: { 'log-level': { from: 'info', to: 'debug' }, runtimes: { from: {}, to: { alt: '/usr/bin/runc' } } }, needsRestart: ['mtu'] });
    expect((await run(['info'])).stdout).toMatch(/Runtimes: .*\balt\b/);
    expect(daemon!.log()).toContain('changed settings need a restart of ced: mtu');

    expect((await run(['tag', 'busybox', 'cfg-after'])).code).toBe(0);
    expect(debugLines()).toBeGreaterThan(0);
    expect((await run(['version'])).code, 'ced keeps serving').toBe(0);
  });

  it('on SIGHUP with a broken file keeps running as it was, and logs why', async () => {
    writeFileSync(configFile, '{ "log-level": ');
    daemon!.process.kill('SIGHUP');
    await eventually(() => daemon!.log().includes('error reconfiguring the daemon'), 'the failed reload to be logged');
    expect(daemon!.log()).toContain(`unable to configure the ce daemon with file ${configFile}: unexpected EOF`);
    expect((await run(['version'])).code).toBe(0);
  });

  it('tells a user outside the "ce" group that permission was denied, and which group to join', () => {
    chmodSync(daemon!.dir, 0o755);
    const res = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, ceBin, '-H', daemon!.socket, 'ps'], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(`ce: permission denied while trying to connect to the ce daemon socket at unix://${daemon!.socket}: connect: permission denied (is the user in the "ce" group?)\n`);
  });
});

describe('ced with a daemon.json it cannot use', () => {
  const cases: Array<[string, string | undefined, string[], (file: string) => string]> = [
    ['an unknown key', '{"log-level": "info", "foo": 1}', [], (f) => `unable to configure the ce daemon with file ${f}: the following directives don't match any configuration option: foo`],
    ['a key also given as a flag', '{"log-level": "info"}', ['--log-level', 'debug'], (f) => `unable to configure the ce daemon with file ${f}: the following directives are specified both as a flag and in the configuration file: log-level: (from flag: debug, from file: info)`],
    // dockerd 20.10 says "...the Docker daemon with file <f>: invalid character '}' looking for beginning of object key string".
    ['a JSON syntax error', '{\n  "log-level": "info",\n}\n', [], (f) => `unable to configure the ce daemon with file ${f}: invalid character '}' looking for beginning of object key string\n`],
    ['a file cut short', '{\n  "log-level": "info"\n', [], (f) => `unable to configure the ce daemon with file ${f}: unexpected EOF\n`],
    ['a missing --config-file', undefined, [], (f) => `unable to configure the ce daemon with file ${f}: open ${f}: no such file or directory`],
  ];
  for (const [what, content, flags, message] of cases) {
    it(`${what}: ced says so and exits 1 before making its folders`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ce-e2e-config-'));
      try {
        const file = join(dir, 'daemon.json');
        if (content !== undefined) writeFileSync(file, content);
        const child = spawn(process.execPath, [cedBin, '--root', join(dir, 'root'), '--state', join(dir, 'state'), '--config-file', file, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
        expect(code).toBe(1);
        expect(stderr.startsWith(`ced: ${message(file)}`), stderr).toBe(true);
        expect(existsSync(join(dir, 'state'))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
