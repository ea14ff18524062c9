// ced's --log-driver/--log-opt (dockerd's log-driver/log-opts): the default of containers
// that name no driver, merged under the options a container gives; bad ones stop ced.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { cgroupsFor, mountsUnder, processesMentioning } from './support/leaks.js';
import { cedBin } from './support/paths.js';

let daemon: TestDaemon | undefined;
const ids: string[] = [];
const run = (args: string[]) => ce(args, { socket: daemon!.socket });
const logConfig = (id: string) =>
  (JSON.parse(readFileSync(join(daemon!.root, 'containers', id, 'config.json'), 'utf8')) as { HostConfig: { LogConfig: unknown } }).HostConfig.LogConfig;

describe('ced --log-driver local --log-opt max-size=5k', () => {
  beforeAll(async () => {
    daemon = await startTestDaemon(['--log-driver', 'local', '--log-opt', 'max-size=5k']);
    await importBusyboxImage(daemon.socket);
  });
  afterAll(async () => {
    if (!daemon) return;
    await daemon.dispose();
    expect(mountsUnder(daemon.dir)).toEqual([]);
    expect(processesMentioning(daemon.dir)).toEqual([]);
    expect(cgroupsFor(ids)).toEqual([]);
  });

  it("is the driver of a container that names none; the container's options go over ced's", async () => {
    const r = await run(['run', '-d', '--log-opt', 'max-file=2', '--log-opt', 'compress=false', 'busybox', 'seq', '1', '3000']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    ids.push(id);
    expect((await run(['wait', id])).stdout).toBe('0\n');
    expect(logConfig(id)).toEqual({ Type: 'local', Config: { 'max-file': '2', compress: 'false', 'max-size': '5k' } });
    expect(readdirSync(join(daemon!.root, 'containers', id, 'local-logs')).sort()).toEqual(['container.log', 'container.log.1', 'container.log.rotations']);
    const logs = (await run(['logs', id])).stdout;
    expect(logs.endsWith('2999\n3000\n')).toBe(true);
  });

  it("json-file asked by a container: ced's local options do not apply, ce's rotation defaults do", async () => {
    const r = await run(['create', '--log-driver', 'json-file', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
    ids.push(r.stdout.trim());
    expect(logConfig(r.stdout.trim())).toEqual({ Type: 'json-file', Config: { 'max-size': '20m', 'max-file': '5' } });
  });
});

describe('ced with a bad --log-driver or --log-opt', () => {
  for (const [args, message] of [
    [['--log-driver', 'x'], 'error looking up logging plugin x: plugin "x" not found'],
    [['--log-opt', 'max-size=abc'], "failed to initialize logging driver: invalid size: 'abc'"],
    [['--log-driver', 'none', '--log-opt', 'max-size=1m'], 'invalid logging opts for driver none'],
  ] as const) {
    it(`${args.join(' ')}: ced says why and exits 1 before making its folders`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ce-e2e-ced-log-'));
      try {
        const child = spawn(process.execPath, [cedBin, '--root', join(dir, 'root'), '--state', join(dir, 'state'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
        expect(code).toBe(1);
        expect(stderr).toBe(`ced: ${message}\n`);
        expect(existsSync(join(dir, 'state'))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
