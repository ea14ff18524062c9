// ce run -it, exec -it, start -ai and attach as a user at a terminal sees them:
// through a real pty (support/pty-driver.py), with the typed keys echoed, the
// window size followed, and the detach keys leaving the container running.
import { dialUnix, unary } from '@ce/protocol';
import { ContainersClient, type Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce, ceArgv } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { cgroupsFor, mountsUnder, processesMentioning } from './support/leaks.js';
import { ptyMissing, runInPty, type PtySession } from './support/pty.js';

let daemon: TestDaemon;
let containers: ContainersClient;
const ids: string[] = [];
const sessions: PtySession[] = [];

beforeAll(async () => {
  daemon = await startTestDaemon();
  await importBusyboxImage(daemon.socket);
  containers = dialUnix(ContainersClient, daemon.socket);
});

afterAll(async () => {
  for (const s of sessions) s.kill();
  containers?.close();
  if (!daemon) return;
  await daemon.dispose();
  expect(mountsUnder(daemon.dir)).toEqual([]);
  expect(processesMentioning(daemon.dir)).toEqual([]);
  expect(cgroupsFor(ids)).toEqual([]);
});

const run = (args: string[], input?: string) => ce(args, { socket: daemon.socket, input });
const inspect = (id: string) => unary<Container>((cb) => containers.inspect({ id }, cb));
const CTRL_P = '\x10';
const CTRL_Q = '\x11';

function terminal(args: string[], size = { rows: 24, cols: 80 }): PtySession {
  const s = runInPty(ceArgv(daemon.socket, ...args), size);
  sessions.push(s);
  return s;
}

async function idOf(name: string): Promise<string> {
  const id = (await inspect(name)).id;
  if (!ids.includes(id)) ids.push(id);
  return id;
}

describe.skipIf(ptyMissing)('terminals', () => {
  it('ce run -it: a shell on /dev/pts/N that echoes what is typed, follows the window size, and exits with its code', async () => {
    const t = terminal(['run', '-it', '--name', 'it1', 'busybox', 'sh'], { rows: 24, cols: 80 });
    await t.waitFor('# ');
    await idOf('it1');
    t.type('tty; stty size\r');
    await t.waitFor(/tty; stty size\r\n\/dev\/pts\/\d+\r\n24 80\r\n/);
    let mark = t.screen().length;
    t.resize(40, 120);
    t.type('stty size\r');
    await t.waitFor(/stty size\r\n40 120\r\n/, mark);
    mark = t.screen().length;
    t.type('exit 3\r');
    expect(await t.exited).toBe(3);
    expect((await inspect('it1')).state?.exitCode).toBe(3);
    await run(['rm', 'it1']);
  });

  it('ctrl-p ctrl-q detaches and leaves the container running; ce attach joins it again, with custom detach keys', async () => {
    const t = terminal(['run', '-it', '--name', 'det', 'busybox', 'sh']);
    await t.waitFor('# ');
    const id = await idOf('det');
    t.type('echo before\r');
    await t.waitFor('before\r\n');
    t.type(`${CTRL_P}${CTRL_Q}`);
    expect(await t.exited).toBe(0);
    expect((await inspect(id)).state?.status).toBe('running');

    const a = terminal(['attach', '--detach-keys', 'ctrl-x,x', 'det'], { rows: 30, cols: 100 });
    a.type('stty size\r');
    await a.waitFor(/stty size\r\n30 100\r\n/);
    a.type('\x18x');
    // As docker attach: detaching is reported and the command fails.
    expect(await a.exited).toBe(1);
    expect(a.screen()).toContain('read escape sequence\r\n');
    expect((await inspect(id)).state?.status).toBe('running');
    await run(['rm', '-f', 'det']);
  });

  it('ce attach: two clients at once both see the output; one detaching leaves the other attached', async () => {
    const t = terminal(['run', '-it', '-d', '--name', 'shared', 'busybox', 'sh']);
    expect(await t.exited).toBe(0);
    const id = await idOf('shared');
    const a = terminal(['attach', 'shared']);
    // A second client without a terminal of its own: output only.
    const b = spawn(ceArgv(daemon.socket, 'attach', '--no-stdin', 'shared')[0]!, ceArgv(daemon.socket, 'attach', '--no-stdin', 'shared').slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let seenByB = '';
    b.stdout.on('data', (d: Buffer) => (seenByB += d.toString()));
    const bExited = new Promise<number | null>((resolve) => b.on('close', (code) => resolve(code)));
    // Both attached: a marker typed until both saw it (B's attach is in place once it sees output).
    for (let i = 0; !seenByB.includes('both-see-me'); i++) {
      if (i > 100) throw new Error(`client B saw only ${JSON.stringify(seenByB)}`);
      a.type('echo both-see-me\r');
      await a.waitFor('both-see-me\r\n', 0);
      await new Promise((r) => setTimeout(r, 100));
    }
    a.type(`${CTRL_P}${CTRL_Q}`);
    expect(await a.exited).toBe(1);
    expect((await inspect(id)).state?.status).toBe('running');
    // B stays attached: it sees what a third client types, and the container's end with its exit code.
    const c = terminal(['attach', 'shared']);
    c.type('echo still-attached; exit 6\r');
    expect(await c.exited).toBe(6);
    expect(await bExited).toBe(6);
    expect(seenByB).toContain('still-attached');
    await run(['rm', 'shared']);
  });

  it('ce exec -it: an interactive shell with its own terminal and size, its exit code propagated', async () => {
    await run(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '1000']);
    await idOf('ex');
    const t = terminal(['exec', '-it', 'ex', 'sh'], { rows: 33, cols: 91 });
    await t.waitFor('# ');
    t.type('tty; stty size\r');
    await t.waitFor(/\/dev\/pts\/\d+\r\n33 91\r\n/);
    const mark = t.screen().length;
    t.resize(20, 70);
    t.type('stty size\r');
    await t.waitFor(/20 70\r\n/, mark);
    t.type('exit 5\r');
    expect(await t.exited).toBe(5);
    // Detaching from an exec leaves its process running, as docker exec does.
    const d = terminal(['exec', '-it', 'ex', 'sh']);
    await d.waitFor('# ');
    d.type('sleep 999\r');
    await d.waitFor('sleep 999\r\n');
    d.type(`${CTRL_P}${CTRL_Q}`);
    expect(await d.exited).toBe(1);
    expect(d.screen()).toContain('read escape sequence\r\n');
    expect((await run(['exec', 'ex', 'sh', '-c', 'ps | grep -c "[s]leep 999"'])).stdout).toBe('1\n');
    await run(['rm', '-f', 'ex']);
  });

  it('ce start -ai of a tty container attaches a terminal to it', async () => {
    const created = await run(['create', '-it', '--name', 'st', 'busybox', 'sh']);
    expect(created.code).toBe(0);
    await idOf('st');
    const t = terminal(['start', '-ai', 'st'], { rows: 25, cols: 81 });
    await t.waitFor('# ');
    t.type('stty size\r');
    await t.waitFor(/25 81\r\n/);
    t.type('exit 4\r');
    expect(await t.exited).toBe(4);
    await run(['rm', 'st']);
  });

  it('refuses -it when the input is not a terminal, as Docker does', async () => {
    expect(await run(['run', '-it', '--rm', 'busybox', 'true'])).toEqual({ code: 1, stdout: '', stderr: 'ce: the input device is not a TTY\n' });
    const box = await run(['run', '-d', '--name', 'notty', 'busybox', 'sleep', '1000']);
    ids.push(box.stdout.trim());
    expect(await run(['exec', '-it', 'notty', 'sh'])).toEqual({ code: 1, stdout: '', stderr: 'ce: the input device is not a TTY\n' });
    await run(['rm', '-f', 'notty']);
  });
});
