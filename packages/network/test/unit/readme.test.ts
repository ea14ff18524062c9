import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';

const readme = join(import.meta.dirname, '../../README.md');
const src = join(import.meta.dirname, '../../src');

it('runs the README usage example of DNS and /etc files as written', async () => {
  const { logged, expected } = await runReadmeExample(readme, { "'@ce/network'": JSON.stringify(join(src, 'index.js')) }, "## DNS and the container's /etc files");
  expect(expected).toHaveLength(4);
  expect(logged).toEqual(expected);
});

it('runs the README usage example of the firewall and published ports as written', async () => {
  const { logged, expected } = await runReadmeExample(
    readme,
    {
      "'@ce/protocol/port-specs'": JSON.stringify(join(src, '../../protocol/src/port-specs.js')),
      "'@ce/network'": JSON.stringify(join(src, 'index.js')),
    },
    '## Firewall and published ports',
  );
  expect(expected).toHaveLength(2);
  expect(logged).toEqual(expected);
});
