// Runs the README's usage example (as root: it mounts) against the built package.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/image.js';
import { isRoot, mountsUnder, unmountAllUnder } from '../helpers/mounts.js';

const pkgDir = join(import.meta.dirname, '../..');
const repoRoot = join(pkgDir, '../..');

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('ce-is-readme-');
});
afterEach(async () => {
  unmountAllUnder(dir.path);
  const left = mountsUnder(dir.path);
  await dir.cleanup();
  expect(left).toEqual([]);
});

describe.skipIf(!isRoot)('README (needs root)', () => {
  it('runs the usage example', async () => {
    const dist = join(pkgDir, 'dist/index.js');
    expect(existsSync(dist), 'build @ce/image-store first (npm run build -w @ce/image-store)').toBe(true);
    const readme = await readFile(join(pkgDir, 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const script = example!
      .replaceAll("'@ce/image-store'", `'${pathToFileURL(dist).href}'`)
      .replaceAll('/var/lib/ce-example', join(dir.path, 'var'))
      .replaceAll('/tmp/ce-example', dir.path);
    execFileSync(process.execPath, [join(repoRoot, 'packages/api/scripts/build-embedded-images.mjs'), '--out', dir.path], {
      stdio: 'pipe',
    });
    await writeFile(join(dir.path, 'example.mjs'), script);
    const out = execFileSync(process.execPath, [join(dir.path, 'example.mjs')], { encoding: 'utf8' });
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe("docker.io/library/hello-world:latest [ '/hello' ]");
    expect(lines[1]).toBe('docker.io/library/hello-world:latest');
    expect(lines[2]).toBe('true');
    expect(lines[3]).toBe('overlay');
    expect(lines.slice(4, -3).join(' ')).toMatch(/^\{\s+untagged: \[ 'hello-world:latest' \],\s+deleted: \[\s+'sha256:[a-f0-9]{64}'\s+\]\s+\}$/);
    expect(lines.slice(-3)).toEqual(['0', 'docker.io/library/hello-world:latest', '[]']);
  });
});

describe('README: the three stores on their own (no root: nothing is mounted)', () => {
  it('runs the example', async () => {
    const dist = join(pkgDir, 'dist/index.js');
    const protocol = join(repoRoot, 'packages/protocol/dist/index.js');
    expect(existsSync(dist), 'build @ce/image-store first (npm run build -w @ce/image-store)').toBe(true);
    const readme = await readFile(join(pkgDir, 'README.md'), 'utf8');
    const example = /### The three stores on their own[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const script = example!
      .replaceAll("'@ce/image-store'", `'${pathToFileURL(dist).href}'`)
      .replaceAll("'@ce/protocol'", `'${pathToFileURL(protocol).href}'`)
      .replaceAll('/var/lib/ce-example', join(dir.path, 'var'))
      .replaceAll('/tmp/ce-example', dir.path);
    await writeFile(join(dir.path, 'storage-example.mjs'), script);
    const out = execFileSync(process.execPath, [join(dir.path, 'storage-example.mjs')], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual([
      "true { 'ce.gc.root': 'example' }",
      'InvalidArgument',
      "[ 'docker.io/library/example:1' ]",
      'overlay { size: 3, inodes: 1 }',
      'cannot remove snapshot layer-1: it is the parent of container-1',
      '{"hello":"world"}',
      "{ owner: 'example' }",
    ]);
  });
});
