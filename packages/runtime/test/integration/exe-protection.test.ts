// Root-only: a container cannot overwrite the ce-init binary through /proc/<pid>/exe (CVE-2019-5736 class).
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initPath } from '@ce/native';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/default-spec.js';
import { Fixture, isRoot } from './helpers.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe.skipIf(!isRoot)('ce-init binary protection (root)', () => {
  let f: Fixture;
  let saved: string | undefined;
  let helper: string;
  beforeEach(() => {
    f = new Fixture();
    // A copy of ce-init that only this test uses: an attack that worked would damage the copy.
    helper = join(f.dir, 'ce-init');
    copyFileSync(initPath(), helper);
    saved = process.env.CE_INIT_PATH;
    process.env.CE_INIT_PATH = helper;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.CE_INIT_PATH;
    else process.env.CE_INIT_PATH = saved;
    expect(await f.cleanup()).toEqual([]);
  });

  it('runs the helper from a sealed copy that a container process cannot write, before or after it execs', async () => {
    const before = sha256(helper);
    f.writeSpec(['sleep', '30']);
    const init = await f.rt.create('c1', f.bundle);
    // The created container's init is ce-init, waiting on the exec fifo. A
    // process exec'd into the container tries to write through its exe
    // link, keeps an fd to it, lets the test start the container, and once
    // the init no longer runs ce-init writes through that fd: runc's CVE.
    const script = [
      'readlink /proc/1/exe',
      'echo pwned 2>/dev/null > /proc/1/exe; echo "direct=$?"',
      'exec 3< /proc/1/exe',
      'echo holding',
      'while [ "$(readlink /proc/1/exe)" != /bin/busybox ]; do sleep 0.05; done',
      'echo pwned 2>/dev/null > /proc/self/fd/3; echo "later=$?"',
    ].join('; ');
    const p = await f.rt.exec('c1', { ...defaultSpec().process!, args: ['sh', '-c', script] }, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.setEncoding('utf8');
    // listened for now: the output may end while start is still returning
    const ended = new Promise<void>((resolve) => p.stdout!.on('end', resolve));
    await new Promise<void>((resolve) => {
      p.stdout!.on('data', (d: string) => {
        out += d;
        if (out.includes('holding\n')) resolve();
      });
      p.stdout!.on('end', resolve);
    });
    await f.rt.start('c1');
    await p.exited;
    await ended;
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^\/memfd:ce-init/);
    expect(lines.slice(1)).toEqual(['direct=1', 'holding', 'later=1']);
    expect(sha256(helper)).toBe(before);
    await f.rt.kill('c1', 'KILL');
    await init.exited;
  });
});
