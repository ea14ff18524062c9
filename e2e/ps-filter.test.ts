// `ce ps --filter`, `-n` and `-l` with the real binaries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { cgroupsFor, mountsUnder, processesMentioning } from './support/leaks.js';

let daemon: TestDaemon;
const ids: string[] = [];

const run = (args: string[]) => ce(args, { socket: daemon.socket });
const names = async (args: string[]) => {
  const r = await run(['ps', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  // NAMES is the last column.
  return r.stdout.trim().split('\n').slice(1).map((line) => line.split(/ {2,}/).at(-1)).sort();
};

beforeAll(async () => {
  daemon = await startTestDaemon();
  await importBusyboxImage(daemon.socket);
  const add = async (args: string[]) => {
    const r = await run(args);
    expect(r.code).toBe(0);
    ids.push(r.stdout.trim().split('\n').at(-1)!);
  };
  // Created in this order: ran-ok, ran-7, running, idle.
  await add(['run', '-d', '--name', 'ran-ok', '-l', 'tier=front', 'busybox', 'true']);
  await add(['run', '-d', '--name', 'ran-7', '-l', 'tier=back', 'busybox', 'sh', '-c', 'exit 7']);
  await add(['run', '-d', '--name', 'running', '-l', 'tier=front', 'busybox', 'sleep', '1000']);
  await add(['create', '--name', 'idle', 'busybox', 'true']);
  for (const name of ['ran-ok', 'ran-7']) expect((await run(['wait', name])).code).toBe(0);
});

afterAll(async () => {
  if (!daemon) return;
  await run(['rm', '-f', ...ids]);
  await daemon.dispose();
  expect(mountsUnder(daemon.dir)).toEqual([]);
  expect(processesMentioning(daemon.dir)).toEqual([]);
  expect(cgroupsFor(ids)).toEqual([]);
});

describe('ce ps --filter', () => {
  it('status lists stopped containers without -a, as Docker does', async () => {
    expect(await names(['--filter', 'status=exited'])).toEqual(['ran-7', 'ran-ok']);
    expect(await names(['-f', 'status=created', '-f', 'status=running'])).toEqual(['idle', 'running']);
  });

  it('exited, label and name narrow the list; keys must all hold', async () => {
    expect(await names(['-a', '--filter', 'exited=7'])).toEqual(['ran-7']);
    expect(await names(['-a', '--filter', 'label=tier=front'])).toEqual(['ran-ok', 'running']);
    expect(await names(['-a', '--filter', 'label=tier', '--filter', 'name=^/ran'])).toEqual(['ran-7', 'ran-ok']);
    expect(await names(['--filter', 'ancestor=busybox:latest'])).toEqual(['running']);
  });

  it("refuses an unknown key with Docker's daemon error and exit 1", async () => {
    const r = await run(['ps', '--filter', 'colour=red']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error response from daemon: Invalid filter 'colour'\n$/);
    expect(r.stdout).toBe('');
  });
});

describe('ce ps -n / -l', () => {
  it('-l shows the latest created container in any state, -n the last n', async () => {
    expect(await names(['-l'])).toEqual(['idle']);
    const q = await run(['ps', '-n', '2', '-q', '--no-trunc']);
    expect(q.stdout).toBe(`${ids[3]}\n${ids[2]}\n`);
  });
});
