// Root-only: runs the usage example of README.md against a busybox bundle.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupDirs, Fixture, isRoot } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

describe.skipIf(!isRoot)('README usage example (root)', () => {
  let f: Fixture | undefined;
  let file: string | undefined;
  afterEach(async () => {
    if (file) rmSync(file, { force: true });
    if (f) expect(await f.cleanup()).toEqual([]);
  });

  it('runs as written, with the fixture paths substituted', async () => {
    f = new Fixture();
    const readme = readFileSync(join(here, '../../README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    const expected = /console\.log\(exitStatus, out\); \/\/ (.*)$/m.exec(code)![1];
    const patched = code
      .replace("'@ce/runtime'", JSON.stringify(join(here, '../../src/index.js')))
      .replace("'/srv/bundles/hello'", JSON.stringify(f.bundle))
      .replace("'/run/ce/runtime'", JSON.stringify(f.stateRoot))
      .replace("'ce-hello'", JSON.stringify(f.cgroupName))
      .replace("stdio: ['ignore', 'pipe', 'inherit']", "stdio: ['ignore', 'pipe', 'ignore']")
      .replace("console.log((await rt.state('hello')).status);", "(globalThis as any).readmeStatus = (await rt.state('hello')).status;")
      .replace('console.log(exitStatus, out);', '(globalThis as any).readmeResult = [exitStatus, out];');
    expect(patched).not.toContain('console.log');
    file = join(here, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, `${patched}\nexport {};\n`);
    await import(file);
    const g = globalThis as any;
    expect(g.readmeStatus).toBe('created');
    expect(g.readmeResult).toEqual([0, 'hello from hello\n']);
    expect(expected).toBe("0 'hello from hello\\n'");
    expect(cgroupDirs(f.cgroupName)).toEqual([]);
  });
});
