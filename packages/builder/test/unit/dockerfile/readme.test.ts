import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../../../tools/test/readme-example.js';

it('runs the README example of the Dockerfile parser as written', async () => {
  const { logged, expected } = await runReadmeExample(
    join(import.meta.dirname, '../../../README.md'),
    { "'@ce/builder/dockerfile'": JSON.stringify(join(import.meta.dirname, '../../../src/dockerfile/index.js')) },
    '### Library use: the Dockerfile parser',
  );
  expect(expected).toHaveLength(5);
  expect(logged).toEqual(expected);
});
