// kill -9 during `load`: the reopened store has no record, no blob, no staging
// file and no lease of the dead loader, and its consistency check is clean.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image-store.js';
import { legacyDockerSaveEntries, tarOf } from '../helpers/archive.js';
import { makeImage, tempDir } from '../helpers/image.js';

const dist = join(import.meta.dirname, '../../dist/index.js');

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('ce-is-crash-load-');
});
afterEach(() => dir.cleanup());

// Loads the first half of the archive, then waits for the rest forever.
const child = (root: string, archive: string) => `
import { readFileSync } from 'node:fs';
import { ImageStore } from '${pathToFileURL(dist).href}';
const store = await ImageStore.open({ root: '${root}', syncLayers: false });
const bytes = readFileSync('${archive}');
async function* stalled() {
  yield bytes.subarray(0, bytes.length >> 1);
  process.stdout.write('half sent\\n');
  await new Promise(() => {});
}
await store.load(stalled());
`;

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('crash safety of load', () => {
  it('survives kill -9 in the middle of an archive', async () => {
    expect(existsSync(dist), 'build @ce/image-store first (npm run build -w @ce/image-store)').toBe(true);
    const root = join(dir.path, 'store');
    const image = await makeImage([[{ name: 'big', data: Buffer.alloc(4 * 1024 * 1024, 7) }]], { compression: 'none' });
    const archive = join(dir.path, 'archive.tar');
    await writeFile(archive, await tarOf(legacyDockerSaveEntries(image, ['crash:1'])));
    await writeFile(join(dir.path, 'child.mjs'), child(root, archive));

    const p = spawn(process.execPath, [join(dir.path, 'child.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()));
      // The load is under way: its staging folder has files and its lease is on disk.
      await until('the staging files', async () => {
        const staging = (await readdir(join(root, 'ingest'))).filter((n) => n.startsWith('load-'));
        return staging.length === 1 && (await readdir(join(root, 'ingest', staging[0]!))).length > 0;
      });
      expect(await readdir(join(root, 'leases'))).toHaveLength(1);
    } finally {
      p.kill('SIGKILL');
      await new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(undefined) : p.once('exit', r)));
    }

    const store = await ImageStore.open({ root });
    expect(await store.check()).toEqual([]);
    expect(await store.list()).toEqual([]);
    expect(await store.content.list()).toEqual([]);
    expect(await readdir(join(root, 'ingest'))).toEqual([]);
    expect(await readdir(join(root, 'leases'))).toEqual([]);
    // And the same archive loads completely afterwards.
    const { createReadStream } = await import('node:fs');
    expect((await store.load(createReadStream(archive))).map((i) => i.name)).toEqual(['docker.io/library/crash:1']);
  });
});
