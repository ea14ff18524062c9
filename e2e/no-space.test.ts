// Issue 8 item 14: a full disk under ced's image store is reported through
// the CLI as "no space left on device while …", not as an unreadable archive.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';

const isRoot = process.geteuid?.() === 0;
let daemon: TestDaemon;
let store = '';
let mounted = false;

beforeAll(async () => {
  if (!isRoot) return;
  daemon = await startTestDaemon();
  store = join(daemon.root, 'image-store');
});

afterAll(async () => {
  if (mounted) {
    await daemon.stop();
    execFileSync('umount', [store]);
  }
  await daemon?.dispose();
});

describe.skipIf(!isRoot)('a full image store (needs root)', () => {
  it('ce load says "no space left on device while staging an image archive in <ingest>", exit 1', async () => {
    await importBusyboxImage(daemon.socket, 'docker.io/library/big:latest', {}, [{ name: 'noise.bin', data: randomBytes(3 << 20) }]);
    const archive = join(daemon.dir, 'big.tar');
    expect((await ce(['save', '-o', archive, 'big'], { socket: daemon.socket })).code).toBe(0);

    // A 2 MiB tmpfs as the store: ced restarts on it empty (but for its embedded hello-world).
    await daemon.stop();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', store]);
    mounted = true;
    await daemon.restart();

    const load = await ce(['load', '-i', archive], { socket: daemon.socket });
    expect(load.code).toBe(1);
    expect(load.stderr).toMatch(new RegExp(`^ce: Error response from daemon: no space left on device while staging an image archive in ${store}/ingest/load-[0-9a-f]+\\n$`));
    expect((await ce(['images', '-q'], { socket: daemon.socket })).stdout.trim().split('\n')).toHaveLength(1);
  });
});
