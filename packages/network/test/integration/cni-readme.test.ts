// Runs the README's CNI example (as root, with Debian's plugins): the
// configuration in a temporary folder, the container's namespace and the
// plugins' host side in namespaces the test creates.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runReadmeExample } from '../../../../tools/test/readme-example.js';

const pkgDir = join(import.meta.dirname, '../..');
const BIN = '/usr/lib/cni';
const ready = process.getuid?.() === 0 && ['bridge', 'host-local'].every((p) => existsSync(join(BIN, p)));
const tag = String(process.pid % 100000);
const outer = `ce-it-cnird-o${tag}`;
const container = `ce-it-cnird-c${tag}`;

let dir = '';
afterEach(async () => {
  for (const ns of [container, outer]) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // not created
    }
  }
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!ready)('README CNI example (needs root and containernetworking-plugins)', () => {
  it('runs as written', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-it-cnird-'));
    for (const ns of [outer, container]) execFileSync('ip', ['netns', 'add', ns]);
    await mkdir(join(dir, 'net.d'));
    await writeFile(
      join(dir, 'net.d', '10-mynet.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'mynet',
        plugins: [
          { type: 'bridge', bridge: `cerd${tag}`, isGateway: true, capabilities: { ipRanges: true }, ipam: { type: 'host-local', dataDir: join(dir, 'ipam') } },
        ],
      }),
    );
    // Only the CNI section, as its own README, so the runner takes its example.
    const readme = await readFile(join(pkgDir, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## CNI\n'));
    const sectionFile = join(pkgDir, `.readme-cni-${process.pid}.md`);
    await writeFile(sectionFile, section);
    try {
      const { logged, expected } = await runReadmeExample(sectionFile, {
        "'@ce/network'": `'${join(pkgDir, 'src/index.ts')}'`,
        "{ confDir: '/etc/cni/net.d' }": JSON.stringify({ confDir: join(dir, 'net.d'), cacheDir: join(dir, 'cache'), wrapper: ['ip', 'netns', 'exec', outer] }),
        '/run/netns/c0ffee': `/run/netns/${container}`,
      });
      expect(expected).toHaveLength(2);
      expect(logged).toEqual(expected);
    } finally {
      await rm(sectionFile, { force: true });
    }
  });
});
