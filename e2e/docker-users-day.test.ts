// Issue 11's "Docker user's day", replayed with the real ce and ced as a user
// types it: an httpd on a user network with a published port, a page fetched
// from the host; logs -f; exec -it through a terminal; stop and start; commit,
// tag, push to a registry on loopback, rmi, pull back and run; a volume kept
// across the replacement of its container; prune and system df.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_BIN, startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ceArgv } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { networkContainers } from './support/network-containers.js';
import { freePort, httpGet } from './support/network-probes.js';
import { ptyMissing, runInPty } from './support/pty.js';
import { until } from './support/until.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const { run, ok, runDetached } = networkContainers(() => daemon, ids);

/** busybox httpd serving /www/index.html, each request logged on stderr (-vv). */
const HTTPD = ['sh', '-c', 'mkdir -p /www && echo "<h1>hello</h1>" > /www/index.html && echo second > /www/second.html && echo serving && exec httpd -f -vv -p 80 -h /www'];

/** `ce logs -f NAME` running in the background: what it printed so far, and its end. */
function follow(name: string): { output: () => string; stop: () => void } {
  const [cmd, ...args] = ceArgv(daemon.socket, 'logs', '-f', name);
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { output: () => output, stop: () => child.kill('SIGKILL') };
}

describe.skipIf(!!ptyMissing || !existsSync(REGISTRY_BIN))("a Docker user's day", () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('serves a page, follows its logs, execs a shell, stops and starts, ships an image through a registry, keeps a volume, and prunes', { timeout: 240_000 }, async () => {
    // An httpd on a user network, published on loopback; the page from the host.
    await ok(['network', 'create', '-o', `com.docker.network.bridge.name=${daemon.network.bridge}d`, 'daynet']);
    const port = await freePort();
    await runDetached(['--name', 'web', '--network', 'daynet', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    expect(await httpGet('127.0.0.1', port, '/index.html')).toBe('<h1>hello</h1>\n');
    expect(await ok(['port', 'web'])).toBe(`80/tcp -> 127.0.0.1:${port}\n`);

    // logs -f shows what came before and what comes while it follows.
    const logs = follow('web');
    try {
      await until('logs -f to print the first request', () => logs.output().includes('url:/index.html'));
      expect(await httpGet('127.0.0.1', port, '/second.html')).toBe('second\n');
      await until('logs -f to print the request made while it follows', () => logs.output().includes('url:/second.html'));
      expect(logs.output().startsWith('serving\n')).toBe(true);
    } finally {
      logs.stop();
    }

    // exec -it: a shell on a terminal in the running container, with its exit code.
    const shell = runInPty(ceArgv(daemon.socket, 'exec', '-it', 'web', 'sh'));
    await shell.waitFor('/ # ');
    shell.type('cat /www/index.html; echo "day note" > /note.txt; echo done-$((6*7))\r');
    await shell.waitFor('done-42');
    expect(shell.screen()).toContain('<h1>hello</h1>');
    shell.type('exit 5\r');
    expect(await shell.exited).toBe(5);

    // stop and start: the same container serves again on the same port.
    expect(await ok(['stop', '-t', '1', 'web'])).toBe('web\n');
    expect(await ok(['ps', '-a', '--filter', 'name=^web$', '--format', '{{.Status}}'])).toMatch(/^Exited \(\d+\) /);
    expect(await ok(['start', 'web'])).toBe('web\n');
    expect(await httpGet('127.0.0.1', port, '/index.html')).toBe('<h1>hello</h1>\n');

    // commit (the note exec wrote), tag, push to the registry, rmi, pull back, run.
    const remote = `${registry.host}/day/web:1`;
    expect(await ok(['commit', '-m', 'the day note', 'web', 'day/web:1'])).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(await ok(['history', '--format', '{{.Comment}}', 'day/web:1'])).toMatch(/^the day note\n/);
    await ok(['tag', 'day/web:1', remote]);
    const push = await run(['push', remote]);
    expect(push, push.stderr).toMatchObject({ code: 0 });
    expect(push.stdout).toMatch(/1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
    const removed = await ok(['rmi', 'day/web:1', remote]);
    expect(removed).toContain(`Untagged: ${remote}\n`);
    expect(removed).toMatch(/Deleted: sha256:[0-9a-f]{64}\n/);
    expect((await run(['image', 'inspect', remote])).code).toBe(1);
    const pull = await run(['pull', remote]);
    expect(pull, pull.stderr).toMatchObject({ code: 0 });
    expect(pull.stdout).toContain(`Status: Downloaded newer image for ${remote}\n`);
    expect(await ok(['run', '--rm', remote, 'cat', '/note.txt'])).toBe('day note\n');

    // A named volume outlives the container it was made for, and serves its replacement.
    const first = await runDetached(['--name', 'db', '-v', 'daydata:/data', 'busybox', 'sh', '-c', 'echo "written by the first" > /data/state; sleep 300']);
    await until('the first db to write its state', async () => (await run(['exec', 'db', 'cat', '/data/state'])).stdout === 'written by the first\n');
    expect(await ok(['rm', '-f', 'db'])).toBe('db\n');
    const second = await runDetached(['--name', 'db', '-v', 'daydata:/data', 'busybox', 'sleep', '300']);
    expect(second).not.toBe(first);
    expect(await ok(['exec', 'db', 'cat', '/data/state'])).toBe('written by the first\n');

    // The end of the day: everything removed, then pruned; system df counts nothing left.
    const df = await ok(['system', 'df']);
    expect(df).toMatch(/^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE\n/);
    expect(df).toMatch(/\nContainers +2 +2 /);
    expect(df).toMatch(/\nLocal Volumes +1 +1 /);
    expect(await ok(['rm', '-f', 'web', 'db'])).toBe('web\ndb\n');
    const pruned = await ok(['system', 'prune', '-a', '-f', '--volumes']);
    expect(pruned).toContain('Deleted Networks:\ndaynet\n');
    expect(pruned).toContain('Deleted Volumes:\ndaydata\n');
    expect(pruned).toContain(`untagged: ${remote}\n`);
    expect(pruned).toMatch(/\nTotal reclaimed space: \S+\n$/);
    const after = await ok(['system', 'df']);
    for (const row of ['Images', 'Containers', 'Local Volumes']) expect(after).toMatch(new RegExp(`\\n${row} +0 +0 +0B +0B\\n`));
    expect((await ok(['network', 'ls', '--format', '{{.Name}}'])).split('\n')).not.toContain('daynet');
  });
});
