import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { buildSpec, withEnv, withHomeFromPasswd, withUser } from '../../../src/spec/index.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

it("withHomeFromPasswd adds the user's home from the rootfs's passwd unless HOME is set", async () => {
  dir = mkdtempSync(join(tmpdir(), 'spec-opts-home-'));
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n');
  const spec = await buildSpec([withUser({ uid: 1000, gid: 1000 }), withEnv(['A=1']), withHomeFromPasswd()], { rootfs: dir });
  expect(spec.process!.env).toEqual(['A=1', 'HOME=/home/u']);
  const kept = await buildSpec([withEnv(['HOME=/mine']), withHomeFromPasswd()], { rootfs: dir });
  expect(kept.process!.env).toEqual(['HOME=/mine']);
});

it('withHomeFromPasswd needs a rootfs in the context', async () => {
  await expect(buildSpec([withHomeFromPasswd()])).rejects.toThrow('withHomeFromPasswd: the spec context has no rootfs to read /etc/passwd from');
});
