// Root-only: runs the rtnetlink usage example of README.md as written, with
// its names, subnet and namespace path made unique to this test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pinnedNetns } from '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = process.getuid?.() === 0;
const id = process.pid % 100000;

describe.skipIf(!root)('README rtnetlink example (root)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-netlink-readme-'));
  const file = join(here, `.readme-netlink-${process.pid}.ts`);
  const names = { bridge: `cerdbr${id}`, veth: `cerdv${id}` };
  afterEach(async () => {
    rmSync(file, { force: true });
    for (const name of [names.veth, names.bridge]) {
      try {
        execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    await pinnedNetns().remove(join(dir, 'c1'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as written', async () => {
    const readme = readFileSync(join(here, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Links and namespaces (rtnetlink)'));
    let code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    const subnet = `10.215.${process.pid % 250}`;
    code = code
      .replaceAll("'@ce/network'", JSON.stringify(join(here, '../../src/index.js')))
      .replaceAll('/run/ce/netns/c1', join(dir, 'c1'))
      .replaceAll('ce-br0', names.bridge)
      .replaceAll('vethc1', names.veth)
      .replaceAll('10.88.0', subnet)
      .replaceAll('console.log(', '(globalThis as any).readmeLog.push(');
    const logged: string[] = [];
    (globalThis as any).readmeLog = logged;
    writeFileSync(file, `${code}\nexport {};\n`);
    await import(file);
    expect(logged).toEqual(expected.map((e) => e!.replaceAll('ce-br0', names.bridge).replaceAll('10.88.0', subnet)));
    expect(execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' })).not.toContain(names.bridge);
  });
});
