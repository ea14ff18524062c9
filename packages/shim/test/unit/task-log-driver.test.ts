import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { decodeLocalEntry, isCeError } from '@ce/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { ShimTask, type RuntimeLike } from '../../src/task.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A task over a fake runtime whose container prints `lines` and exits 0. */
async function runTask(logPath: string, logConfig: { type: string; config: Record<string, string> } | undefined, lines: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let exit!: (e: { exitStatus: number; exitedAt: Date }) => void;
  let created = 0;
  const runtime: RuntimeLike = {
    async create() {
      created++;
      return { pid: 4242, stdin: null, stdout, stderr, exited: new Promise((r) => (exit = r)) };
    },
    async start() {},
    async kill() {},
    async delete() {},
  };
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const task = new ShimTask(runtime, logger, () => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-driver-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'bundle'));
  const path = logPath && join(dir, logPath);
  try {
    await task.create({ id: 'c1', bundle: join(dir, 'bundle'), rootfs: [], terminal: false, stdin: false, logPath: path, logConfig, namespace: '', labels: {} });
  } catch (err) {
    return { err, created, dir };
  }
  await task.start({ id: 'c1' });
  for (const l of lines) stdout.write(l);
  stdout.end();
  stderr.end();
  exit({ exitStatus: 0, exitedAt: new Date() });
  await task.wait({ id: 'c1' });
  for (let i = 0; i < 100 && (await task.state({ id: 'c1' })).status !== TaskStatus.TASK_STATUS_STOPPED; i++) await new Promise((r) => setImmediate(r));
  await task.delete({ id: 'c1' });
  return { path, dir, created };
}

describe('the shim writes the log its CreateTask names', () => {
  it('local: Docker local entries, in a folder the shim makes', async () => {
    const { path } = await runTask('local-logs/container.log', { type: 'local', config: {} }, ['a\n', 'b\n']);
    const data = readFileSync(path!);
    const first = data.readUInt32BE(0);
    expect(decodeLocalEntry(data.subarray(4, 4 + first)).line.toString()).toBe('a');
  });

  it('json-file with max-size: rotated files beside it', async () => {
    const { path, dir } = await runTask('c1-json.log', { type: 'json-file', config: { 'max-size': '200', 'max-file': '3' } }, Array.from({ length: 20 }, (_, i) => `line ${i}\n`));
    expect(readdirSync(dir).sort()).toEqual(['bundle', 'c1-json.log', 'c1-json.log.1', 'c1-json.log.2', 'c1-json.log.rotations']);
    expect(readFileSync(path!, 'utf8')).toContain('line 19');
  });

  it('none: no file, even with a path', async () => {
    const { path } = await runTask('c1-json.log', { type: 'none', config: {} }, ['a\n']);
    expect(existsSync(path!)).toBe(false);
  });

  it('a config Docker refuses: InvalidArgument with its words, before the container is created', async () => {
    const { err, created } = await runTask('c1-json.log', { type: 'json-file', config: { 'max-file': '0' } }, []);
    expect(isCeError(err, 'InvalidArgument')).toBe(true);
    expect((err as Error).message).toBe('failed to initialize logging driver: max-file cannot be less than 1');
    expect(created).toBe(0);
  });
});
