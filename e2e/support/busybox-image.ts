import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, writeImageLayout, type LayerEntry } from '@ce/image-store';
import { dialUnix, unary } from '@ce/protocol';
import { ImagesClient } from '@ce/protocol/gen/ce/images/v1/images';

const BUSYBOX = '/bin/busybox';

/** The root filesystem of a busybox image: Debian's busybox-static with its applets linked in /bin. */
export function busyboxLayerEntries(): LayerEntry[] {
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).trim().split('\n');
  const mtime = new Date('2024-01-01T00:00:00Z');
  return [
    { name: 'bin', type: 'directory', mode: 0o755, mtime },
    { name: 'bin/busybox', data: readFileSync(BUSYBOX), mode: 0o755, mtime },
    ...applets.filter((a) => a !== 'busybox').map((a): LayerEntry => ({ name: `bin/${a}`, type: 'link', linkname: 'bin/busybox', mode: 0o755, mtime })),
    { name: 'etc', type: 'directory', mode: 0o755, mtime },
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n', mtime },
    { name: 'etc/group', data: 'root:x:0:\nnogroup:x:65534:\n', mtime },
    { name: 'tmp', type: 'directory', mode: 0o1777, mtime },
    { name: 'root', type: 'directory', mode: 0o700, mtime },
  ];
}

/** The image config's `config` part (Docker's names), as far as these tests set it. */
export interface BusyboxImageConfig {
  Cmd?: string[];
  Env?: string[];
  User?: string;
  WorkingDir?: string;
  StopSignal?: string;
  /** Docker's EXPOSE: `{ "80/tcp": {} }`. */
  ExposedPorts?: Record<string, Record<string, never>>;
  /** Docker's VOLUME: paths → {}. */
  Volumes?: Record<string, object>;
  /** Docker's HEALTHCHECK: durations in nanoseconds. */
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
  /** Docker's LABEL. */
  Labels?: Record<string, string>;
}

/**
 * A one-layer image of Debian's busybox-static with its applets linked in /bin, and `extraFiles` in the same layer;
 * `config` replaces fields of the default config.
 */
export async function importBusyboxImage(
  socket: string,
  name = 'docker.io/library/busybox:latest',
  config: BusyboxImageConfig = {},
  extraFiles: LayerEntry[] = [],
): Promise<void> {
  const mtime = new Date('2024-01-01T00:00:00Z');
  const entries = [...busyboxLayerEntries(), ...extraFiles];
  const image = await buildImage([entries], { config: { Cmd: ['sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], ...config }, created: mtime });
  const dir = await mkdtemp(join(tmpdir(), 'ce-e2e-layout-'));
  try {
    await writeImageLayout(dir, image, name);
    const images = dialUnix(ImagesClient, socket);
    try {
      await unary((cb) => images.importLayout({ path: dir, name }, cb));
    } finally {
      images.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
