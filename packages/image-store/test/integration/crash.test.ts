// kill -9 at any moment leaves nothing corrupt: a child process writes image
// records and blobs in a loop, is killed, and the store must reopen cleanly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileContentStore } from '../../src/content/file-content-store.js';
import { sha256 } from '../../src/digest.js';
import { FileImageMetadataStore } from '../../src/images/file-metadata-store.js';
import { tempDir } from '../helpers/image.js';

const dist = join(import.meta.dirname, '../../dist/index.js');

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('ce-is-crash-');
});
afterEach(() => dir.cleanup());

const child = (root: string) => `
import { FileContentStore, FileImageMetadataStore } from '${pathToFileURL(dist).href}';
const content = await FileContentStore.open('${root}');
const images = await FileImageMetadataStore.open('${root}/images');
process.stdout.write('ready\\n');
for (let i = 0; ; i++) {
  const data = Buffer.alloc(64 * 1024 + (i % 7) * 4096, i % 251);
  const info = await content.ingest(data);
  await images.put({ name: 'docker.io/library/img' + (i % 5) + ':latest', target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: info.digest, size: info.size }, labels: { i: String(i) } });
}
`;

describe('crash safety', () => {
  it('survives kill -9 during writes', async () => {
    expect(existsSync(dist), 'build @ce/image-store first (npm run build -w @ce/image-store)').toBe(true);
    const root = join(dir.path, 'store');
    await writeFile(join(dir.path, 'child.mjs'), child(root));
    for (let round = 0; round < 5; round++) {
      const p = spawn(process.execPath, [join(dir.path, 'child.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 50 + round * 37));
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));

      const content = await FileContentStore.open(root);
      for (const info of await content.list()) expect(sha256(await content.readBlob(info.digest))).toBe(info.digest);
      expect(await readdir(join(root, 'ingest'))).toEqual([]);
      const files = (await readdir(join(root, 'images'))).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
      for (const f of files) JSON.parse(await readFile(join(root, 'images', f), 'utf8')); // throws if torn
      const images = await FileImageMetadataStore.open(join(root, 'images'));
      const list = await images.list();
      expect(list.length).toBe(files.length);
      expect(list.length).toBeGreaterThan(0);
      for (const r of list) expect(await content.exists(r.target.digest)).toBe(true);
      expect((await readdir(join(root, 'images'))).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    }
  });
});
