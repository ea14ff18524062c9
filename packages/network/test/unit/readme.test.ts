import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';

it('runs the README usage example as written', async () => {
  const { logged, expected } = await runReadmeExample(join(import.meta.dirname, '../../README.md'), {
    "'@ce/network'": JSON.stringify(join(import.meta.dirname, '../../src/index.js')),
  });
  expect(expected).toHaveLength(4);
  expect(logged).toEqual(expected);
});
