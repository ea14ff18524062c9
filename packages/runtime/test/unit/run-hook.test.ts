import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHook, runHooks, type HookState } from '../../src/hooks/run-hook.js';

const state: HookState = { ociVersion: '1.2.0', id: 'c1', status: 'creating', pid: 4242, bundle: '/b', annotations: { a: 'b' } };

describe('runHook (runtime-side hooks)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-hook-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes args (args[0] as argv[0]), exactly the env given, and the state JSON on stdin', async () => {
    const out = join(dir, 'out');
    const script = join(dir, 'hook.sh');
    writeFileSync(script, `#!/bin/sh\n{ echo "$1|$2"; env | sort; echo; cat; } > ${out}\n`, { mode: 0o755 });
    await runHook('createRuntime', { path: script, args: ['my-hook', 'one', 'two'], env: ['A=1', 'B=x=y'] }, state);
    const [argv, ...rest] = readFileSync(out, 'utf8').split('\n');
    expect(argv).toBe('one|two');
    const envLines = rest.slice(0, rest.indexOf(''));
    // dash adds PWD itself; nothing of this process's environment leaks in
    expect(envLines.filter((l) => !l.startsWith('PWD='))).toEqual(['A=1', 'B=x=y']);
    expect(JSON.parse(rest.slice(rest.indexOf('') + 1).join('\n'))).toEqual(state);
  });

  it('runs the hook from the bundle directory, as runc does', async () => {
    const out = join(dir, 'cwd');
    const script = join(dir, 'pwd.sh');
    writeFileSync(script, `#!/bin/sh\npwd > ${out}\n`, { mode: 0o755 });
    await runHook('poststart', { path: script }, { ...state, bundle: dir });
    expect(readFileSync(out, 'utf8').trim()).toBe(dir);
  });

  it('gives the hook args[0] as its argv[0] (busybox picks its applet by it)', async () => {
    const made = join(dir, 'made');
    await runHook('prestart', { path: '/bin/busybox', args: ['touch', made] }, state);
    expect(readFileSync(made, 'utf8')).toBe('');
  });

  it('names the kind, path, exit status and what the hook said (stdout and stderr) on failure', async () => {
    const script = join(dir, 'fail.sh');
    writeFileSync(script, '#!/bin/sh\necho "looking"\necho "bad things" >&2\nexit 4\n', { mode: 0o755 });
    await expect(runHook('prestart', { path: script }, state)).rejects.toMatchObject({
      code: 'FailedPrecondition',
      message: `prestart hook ${script} failed: exit status 4: looking\nbad things`,
    });
  });

  it('is done when the hook exits, even if a child it left behind holds its output open', async () => {
    const pidFile = join(dir, 'bg.pid');
    const hook = { path: '/bin/sh', args: ['sh', '-c', `sleep 30 & echo $! > ${pidFile}; echo started; exit 0`], timeout: 20 };
    try {
      await expect(runHook('createRuntime', hook, state)).resolves.toBeUndefined();
    } finally {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    }
  }, 10_000);

  it('kills a hook at its timeout', async () => {
    await expect(runHook('poststart', { path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }, state)).rejects.toMatchObject({
      code: 'Unavailable',
      message: 'poststart hook /bin/sleep timed out after 1 s',
    });
  });

  it('fails on a missing executable, and stops a list at the first failure', async () => {
    const marker = join(dir, 'ran');
    const later = join(dir, 'later.sh');
    writeFileSync(later, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    await expect(runHooks('poststop', [{ path: join(dir, 'missing') }, { path: later }], state)).rejects.toThrow(
      new RegExp(`^poststop hook ${dir}/missing: spawn .*ENOENT`),
    );
    expect(() => readFileSync(marker)).toThrow();
  });
});
