// Root-only: runs the NetworkManager example of README.md as written, with
// its folders, bridge name and subnet made unique to this test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';
import { netlinkLinkOps, pinnedNetns } from '../../src/index.js';

const root = process.getuid?.() === 0;

it.skipIf(!root)('runs the README usage example as written (root: links and namespaces)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-it-netreadme-'));
  const bridge = `cerm${process.pid % 100000}`;
  const octet = 100 + (process.pid % 150);
  try {
    const { logged, expected } = await runReadmeExample(join(import.meta.dirname, '../../README.md'), {
      "'@ce/network'": JSON.stringify(join(import.meta.dirname, '../../src/index.js')),
      '/tmp/ce-example': dir,
      'ce-example': bridge,
      '10.88.0.': `10.88.${octet}.`,
    }, '## Networks and containers (`NetworkManager`)');
    expect(expected).toEqual(['10.88.0.1', 'eth0 10.88.0.2 02:42:0a:58:00:02', 'c1', 'host none']);
    const hex = octet.toString(16).padStart(2, '0');
    expect(logged).toEqual(['10.88.0.1', 'eth0 10.88.0.2 02:42:0a:58:00:02', 'c1', 'host none'].map((line) => line.replaceAll('10.88.0.', `10.88.${octet}.`).replace('0a:58:00', `0a:58:${hex}`)));
    expect(execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' })).not.toContain(bridge);
  } finally {
    const links = netlinkLinkOps();
    await links.deleteLink(bridge).catch(() => undefined);
    links.close();
    await pinnedNetns().remove(join(dir, 'netns', 'c1')).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
