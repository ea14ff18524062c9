import { afterAll, beforeAll, expect } from 'vitest';
import { importBusyboxImage } from './busybox-image.js';
import { startTestDaemon, type TestDaemon, type TestDaemonOptions } from './daemon.js';
import { cgroupsFor, mountsUnder, processesMentioning } from './leaks.js';

/**
 * For a test file: a test ced holding the busybox image, started before its
 * tests (handed to `use`) and disposed after them, checking that nothing of it
 * is left mounted or running and that no container in `containerIds` (filled
 * by the tests) kept a cgroup.
 */
export function withBusyboxDaemon(use: (daemon: TestDaemon) => void, containerIds: string[] = [], start: { args?: string[]; options?: TestDaemonOptions } = {}): void {
  let daemon: TestDaemon | undefined;
  beforeAll(async () => {
    daemon = await startTestDaemon(start.args, start.options);
    use(daemon);
    await importBusyboxImage(daemon.socket);
  });
  afterAll(async () => {
    if (!daemon) return;
    await daemon.dispose();
    expect(mountsUnder(daemon.dir)).toEqual([]);
    expect(processesMentioning(daemon.dir)).toEqual([]);
    expect(cgroupsFor(containerIds)).toEqual([]);
  });
}
