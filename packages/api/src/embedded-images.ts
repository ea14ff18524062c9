import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCeError, type Logger } from '@ce/protocol';
import type { ImageStore } from '@ce/image-store';

/** OCI layouts built with the package (scripts/build-embedded-images.mjs). */
const EMBEDDED = [{ name: 'docker.io/library/hello-world:latest', dir: 'hello-world' }];

const embeddedDir = join(dirname(fileURLToPath(import.meta.url)), 'embedded');

/** Imports the embedded images that the store does not have yet. */
export async function ensureEmbeddedImages(store: ImageStore, logger: Logger): Promise<void> {
  for (const image of EMBEDDED) {
    try {
      await store.get(image.name);
      continue;
    } catch (err) {
      if (!isCeError(err, 'NotFound')) throw err;
    }
    const layout = join(embeddedDir, image.dir);
    if (!existsSync(join(layout, 'index.json'))) {
      logger.warn({ layout }, 'embedded image layout missing: was the api package built?');
      continue;
    }
    await store.importOciLayout(layout, { name: image.name });
    logger.info({ image: image.name }, 'embedded image imported');
  }
}
