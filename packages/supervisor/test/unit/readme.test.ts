import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';

it('runs the README usage example as written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-supervisor-readme-'));
  try {
    const { logged, expected } = await runReadmeExample(join(import.meta.dirname, '../../README.md'), {
      "'@ce/supervisor'": JSON.stringify(join(import.meta.dirname, '../../src/index.js')),
      '/run/ce': dir,
    });
    expect(expected).toEqual(['0']);
    expect(logged).toEqual(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
