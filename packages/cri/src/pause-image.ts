import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCeError, unary } from '@ce/protocol';
import type { ImagesClient } from '@ce/protocol/gen/ce/images/v1/images';

/** The pod sandbox's image, built with the package from pause/pause.c (scripts/build-pause.mjs). */
export const PAUSE_IMAGE = 'localhost/ce-pause:1.0';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The OCI layout of PAUSE_IMAGE that the build wrote. */
export const pauseImageLayout = join(pkgDir, 'dist', 'pause-image');

/** The ce-pause binary the build compiled. */
export function pauseBinaryPath(): string {
  const file = join(pkgDir, 'build', 'ce-pause');
  if (!existsSync(file)) throw new Error(`ce-pause not found at ${file} (run \`npm run build -w @ce/cri\`)`);
  return file;
}

/**
 * Imports the pause image into ced's store unless it is there, so that a pod
 * sandbox never needs a registry. Called when a sandbox needs it, as
 * containerd pulls its sandbox image then: a ced nobody runs pods on keeps
 * its `ce images` free of it. Returns false when the layout was not built.
 */
export async function ensurePauseImage(images: ImagesClient, layout = pauseImageLayout): Promise<boolean> {
  try {
    await unary((cb) => images.get({ reference: PAUSE_IMAGE }, cb));
    return true;
  } catch (err) {
    if (!isCeError(err, 'NotFound')) throw err;
  }
  if (!existsSync(join(layout, 'index.json'))) return false;
  await unary((cb) => images.importLayout({ path: layout, name: PAUSE_IMAGE }, cb));
  return true;
}
