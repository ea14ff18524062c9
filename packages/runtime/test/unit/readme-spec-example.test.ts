import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
let file: string | undefined;
afterEach(() => {
  if (file) rmSync(file, { force: true });
});

it('README: the @ce/runtime/spec example runs as written', async () => {
  const readme = readFileSync(join(here, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Spec building'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const expected = /console\.log\(caps, .*\); \/\/ (.*)$/m.exec(code)![1];
  const patched = code
    .replace("'@ce/runtime/spec'", JSON.stringify(join(here, '../../src/spec/index.js')))
    .replace(/console\.log\((.*)\);/, '(globalThis as any).specExample = [$1];');
  file = join(here, `.readme-spec-example-${process.pid}.ts`);
  writeFileSync(file, `${patched}\nexport {};\n`);
  await import(file);
  expect((globalThis as any).specExample).toEqual([['CAP_NET_BIND_SERVICE'], false]);
  expect(expected).toBe("[ 'CAP_NET_BIND_SERVICE' ] false");
});
