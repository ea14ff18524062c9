// Small shell plugins written into a temporary bin dir: each records its
// environment (CNI_*), stdin and the order of calls, then prints what the
// test prepared for that command (<name>.<COMMAND>.out) and exits with
// <name>.<COMMAND>.exit. VERSION answers 0.3.0 to 1.0.0 unless told otherwise.
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeBin {
  root: string;
  bin: string;
  cache: string;
  /** Adds a plugin named `name`. */
  plugin(name: string): Promise<void>;
  /** What `name` prints for `command` (an object is written as JSON). */
  answer(name: string, command: string, out: unknown, exit?: number): Promise<void>;
  stderr(name: string, command: string, text: string): Promise<void>;
  /** `name` starts a child that sleeps and waits for it, for `command`. */
  hang(name: string, command: string): Promise<void>;
  /** `name` leaves a child in a session of its own holding its stdout, and exits, for `command`. */
  leaveHolding(name: string, command: string): Promise<void>;
  /** "name COMMAND" per call, in order. */
  calls(): Promise<string[]>;
  stdin(name: string, command: string): Promise<Record<string, unknown>>;
  env(name: string, command: string): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

const SCRIPT = (dir: string, name: string) => `#!/bin/sh
d='${dir}'; n='${name}'
cat > "$d/$n.$CNI_COMMAND.stdin"
env | grep '^CNI_' | sort > "$d/$n.$CNI_COMMAND.env"
echo "$n $CNI_COMMAND" >> "$d/calls.log"
[ -f "$d/$n.$CNI_COMMAND.stderr" ] && cat "$d/$n.$CNI_COMMAND.stderr" >&2
if [ -f "$d/$n.$CNI_COMMAND.hang" ]; then sleep 300 & echo $! > "$d/$n.child.pid"; wait; fi
if [ -f "$d/$n.$CNI_COMMAND.leave" ]; then setsid sleep 300 & echo $! > "$d/$n.child.pid"; exit 0; fi
[ -f "$d/$n.$CNI_COMMAND.out" ] && cat "$d/$n.$CNI_COMMAND.out"
exit $(cat "$d/$n.$CNI_COMMAND.exit" 2>/dev/null || echo 0)
`;

export async function fakeBin(): Promise<FakeBin> {
  const root = await mkdtemp(join(tmpdir(), 'ce-test-cni-'));
  const bin = join(root, 'bin');
  const rec = join(root, 'rec');
  await mkdir(bin);
  await mkdir(rec);
  const file = (name: string, command: string, what: string) => join(rec, `${name}.${command}.${what}`);
  const fb: FakeBin = {
    root,
    bin,
    cache: join(root, 'cache'),
    async plugin(name) {
      // Written beside, then renamed: a plugin is never executed while open for writing.
      await writeFile(join(root, `${name}.tmp`), SCRIPT(rec, name), { mode: 0o755 });
      await rename(join(root, `${name}.tmp`), join(bin, name));
      await fb.answer(name, 'VERSION', { cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
    },
    async answer(name, command, out, exit = 0) {
      await writeFile(file(name, command, 'out'), typeof out === 'string' ? out : JSON.stringify(out));
      await writeFile(file(name, command, 'exit'), String(exit));
    },
    async stderr(name, command, text) {
      await writeFile(file(name, command, 'stderr'), text);
    },
    async hang(name, command) {
      await writeFile(file(name, command, 'hang'), '');
    },
    async leaveHolding(name, command) {
      await writeFile(file(name, command, 'leave'), '');
    },
    async calls() {
      const text = await readFile(join(rec, 'calls.log'), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean);
    },
    async stdin(name, command) {
      return JSON.parse(await readFile(file(name, command, 'stdin'), 'utf8')) as Record<string, unknown>;
    },
    async env(name, command) {
      const text = await readFile(file(name, command, 'env'), 'utf8');
      return Object.fromEntries(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
  return fb;
}

export async function childPid(fb: FakeBin, name: string): Promise<number> {
  return Number((await readFile(join(fb.root, 'rec', `${name}.child.pid`), 'utf8')).trim());
}

/** Whether the process ends (or is left a zombie for init to reap) within a bounded poll. */
export async function gone(pid: number, withinMs = 3000): Promise<boolean> {
  const until = Date.now() + withinMs;
  for (;;) {
    const state = await readFile(`/proc/${pid}/stat`, 'utf8').then((s) => s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3), () => 'gone');
    if (state === 'gone' || state === 'Z') return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
