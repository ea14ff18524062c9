import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';

it('runs the README usage example as written', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-docker-api-readme-'));
  try {
    const protocol = join(import.meta.dirname, '../../../protocol/src');
    const { logged, expected } = await runReadmeExample(join(import.meta.dirname, '../../README.md'), {
      "'@ce/protocol/gen/ce/api/v1/system'": JSON.stringify(join(protocol, 'gen/ce/api/v1/system.js')),
      "'@ce/protocol'": JSON.stringify(join(protocol, 'index.js')),
      "'@ce/docker-api'": JSON.stringify(join(import.meta.dirname, '../../src/index.js')),
      '/tmp/ce-docker-api-example': dir,
    });
    expect(expected).toEqual(['1.2.3 1.41 amd64']);
    expect(logged).toEqual(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
