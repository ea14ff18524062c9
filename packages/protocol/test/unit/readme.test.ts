import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';

it('runs the README usage example as written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-protocol-readme-'));
  try {
    const src = join(import.meta.dirname, '../../src');
    const { logged, expected } = await runReadmeExample(join(import.meta.dirname, '../../README.md'), {
      "'@ce/protocol/gen/ce/api/v1/system'": JSON.stringify(join(src, 'gen/ce/api/v1/system.js')),
      "'@ce/protocol'": JSON.stringify(join(src, 'index.js')),
      '/tmp/ce-protocol-example.sock': join(dir, 'example.sock'),
    });
    expect(expected).toEqual(['1.0.0', 'NotFound asked twice']);
    expect(logged).toEqual(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
