import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';

it('runs the README usage example as written', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-cri-readme-'));
  try {
    const protocol = join(import.meta.dirname, '../../../protocol/src');
    const src = join(import.meta.dirname, '../../src');
    const { logged, expected } = await runReadmeExample(join(import.meta.dirname, '../../README.md'), {
      "'@ce/protocol/gen/ce/api/v1/system'": JSON.stringify(join(protocol, 'gen/ce/api/v1/system.js')),
      "'@ce/protocol'": JSON.stringify(join(protocol, 'index.js')),
      "'@ce/cri/gen/runtime/v1/api'": JSON.stringify(join(src, 'gen/runtime/v1/api.js')),
      "'@ce/cri'": JSON.stringify(join(src, 'index.js')),
      '/tmp/ce-cri-example': dir,
    });
    expect(expected).toEqual(['ce 1.2.3 v1']);
    expect(logged).toEqual(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
