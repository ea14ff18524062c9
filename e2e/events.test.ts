// ce events: Docker's actions in order for a container's life, --since served
// from the persisted ring across a ced restart, filters, and following.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ce, ceArgv } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[]) => ce(args, { socket: daemon.socket });
const unixNow = () => (Date.now() / 1000).toFixed(3);

/** "<time> <type> <action> <id> (<attributes>)" lines, parsed. */
function parseLines(out: string) {
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S+) (\S+) (.+?) ([0-9a-f]{64}|\S+)(?: \((.*)\))?$/.exec(line);
      if (!m) throw new Error(`not an event line: ${line}`);
      const attributes = Object.fromEntries((m[5] ?? '').split(', ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      return { time: m[1]!, type: m[2]!, action: m[3]!, id: m[4]!, attributes };
    });
}

describe('ce events', () => {
  it('shows create, start, kill, die (exitCode), stop and destroy in order, and keeps them across a ced restart', async () => {
    const since = unixNow();
    const created = await run(['run', '-d', '--name', 'ev-life', '--label', 'tier=web', 'busybox', 'sleep', '1000']);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    ids.push(id);
    expect((await run(['stop', '-t', '1', 'ev-life'])).code).toBe(0);
    expect((await run(['rm', 'ev-life'])).code).toBe(0);
    const until = unixNow();

    const expected = [
      ['create', {}],
      ['start', {}],
      ['kill', { signal: '15' }],
      ['kill', { signal: '9' }],
      ['die', { exitCode: '137' }],
      ['stop', {}],
      ['destroy', {}],
    ] as const;
    const check = (out: string) => {
      const events = parseLines(out);
      expect(events.map((e) => e.action)).toEqual(expected.map(([action]) => action));
      for (const [i, [, extra]] of expected.entries()) {
        expect(events[i]).toMatchObject({ type: 'container', id, attributes: { image: 'busybox', name: 'ev-life', tier: 'web', ...extra } });
        expect(events[i]!.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}(Z|[+-]\d{2}:\d{2})$/);
      }
    };

    const past = await run(['events', '--since', since, '--until', until, '--filter', 'container=ev-life']);
    expect(past.code, past.stderr).toBe(0);
    check(past.stdout);

    await daemon.stop();
    await daemon.restart();
    const afterRestart = await run(['events', '--since', since, '--until', until, '--filter', `container=${id.slice(0, 12)}`]);
    expect(afterRestart.code, afterRestart.stderr).toBe(0);
    check(afterRestart.stdout);
  }, 60_000);

  it('reports, after a ced killed with SIGKILL restarts, the die (exitCode 7) of a container that exited while it was down', async () => {
    const since = unixNow();
    const marker = `ev-down-${process.pid}`;
    const created = await run(['run', '-d', '--name', 'ev-down', 'busybox', 'sh', '-c', `while [ ! -e /go ]; do sleep 0.05; done; exit 7 # ${marker}`]);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    ids.push(id);
    await daemon.kill9();
    writeFileSync(join(daemon.state, 'tasks', id, 'rootfs', 'go'), '');
    const deadline = Date.now() + 20_000;
    while (processesWith(marker).length) {
      if (Date.now() > deadline) throw new Error('the container did not exit');
      await sleep(20);
    }
    await daemon.restart();
    const events = await run(['events', '--since', since, '--until', unixNow(), '-f', 'container=ev-down']);
    expect(events.code, events.stderr).toBe(0);
    expect(parseLines(events.stdout).map((e) => [e.action, e.attributes.exitCode])).toEqual([
      ['create', undefined],
      ['start', undefined],
      ['die', '7'],
    ]);
    expect((await run(['rm', 'ev-down'])).code).toBe(0);
  }, 60_000);

  it('filters by event and type, and prints {{json .}} with Docker fields', async () => {
    const since = unixNow();
    const r = await run(['run', '--rm', '--name', 'ev-exit', 'busybox', 'sh', '-c', 'exit 7']);
    expect(r.code).toBe(7);
    const until = unixNow();
    const dies = await run(['events', '--since', since, '--until', until, '-f', 'event=die', '-f', 'event=destroy', '-f', 'type=container']);
    expect(dies.code, dies.stderr).toBe(0);
    expect(parseLines(dies.stdout).map((e) => [e.action, e.attributes.exitCode])).toEqual([
      ['die', '7'],
      ['destroy', undefined],
    ]);

    const json = await run(['events', '--since', since, '--until', until, '-f', 'event=die', '--format', '{{json .}}']);
    expect(json.code, json.stderr).toBe(0);
    const message = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(message)).toEqual(['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
    expect(message).toMatchObject({ status: 'die', from: 'busybox', Type: 'container', Action: 'die', scope: 'local', Actor: { Attributes: { exitCode: '7', image: 'busybox', name: 'ev-exit' } } });
    expect(json.stdout).toMatch(/"timeNano":\d{19}\}\n$/);

    const none = await run(['events', '--since', since, '--until', until, '-f', 'image=alpine']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
  }, 60_000);

  it('follows live events until interrupted, and refuses bad input as Docker does', async () => {
    // --since now: what happens before the subscription reaches ced comes from the ring, then the stream follows.
    const argv = ceArgv(daemon.socket, 'events', '--since', unixNow(), '-f', 'container=ev-follow', '--format', '{{.Action}} {{.Actor.Attributes.exitCode}}');
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const r = await run(['run', '--rm', '--name', 'ev-follow', 'busybox', 'sh', '-c', 'exit 3']);
      expect(r.code).toBe(3);
      const deadline = Date.now() + 20_000;
      while (!out.includes('destroy')) {
        if (Date.now() > deadline) throw new Error(`no destroy event; got ${JSON.stringify(out)}`);
        await new Promise((resolve) => child.stdout.once('data', resolve));
      }
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    }
    expect(out.split('\n').filter(Boolean)).toEqual(['create <no value>', 'attach <no value>', 'start <no value>', 'die 3', 'destroy <no value>']);
    expect(child.exitCode).toBe(0);

    expect(await run(['events', '-f', 'nonsense'])).toMatchObject({ code: 125 });
    const order = await run(['events', '--since', '2000', '--until', '1000']);
    expect(order.code).toBe(1);
    expect(order.stderr).toContain('`since` time (2000) cannot be after `until` time (1000)');
    const bad = await run(['events', '--since', 'yesterday']);
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toContain('failed to parse value as time or duration: "yesterday"');
  }, 60_000);
});

/** Pids of processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}
