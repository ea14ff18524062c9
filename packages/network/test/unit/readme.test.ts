import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';

it('runs the README usage example as written', async () => {
  const src = join(import.meta.dirname, '../../src');
  const { logged, expected } = await runReadmeExample(join(import.meta.dirname, '../../README.md'), {
    "'@ce/protocol/port-specs'": JSON.stringify(join(src, '../../protocol/src/port-specs.js')),
    "'@ce/network'": JSON.stringify(join(src, 'index.js')),
  });
  expect(expected).toHaveLength(2);
  expect(logged).toEqual(expected);
});
