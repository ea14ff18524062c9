import type { LinuxSeccomp } from '../spec/types.js';
import { compileSeccomp, type CompiledSeccomp, type SeccompCompileOptions } from './compile.js';

// Compiling Docker's default profile takes tens of milliseconds, and a shim
// serves one container: a spare shim compiles the profile it expects while it
// waits (warmSeccomp), so that its container's create finds it here.
const LIMIT = 4;
const compiled = new Map<string, CompiledSeccomp>();

/** compileSeccomp, remembering the last few results by the filter's JSON (the program is never modified). */
export function compileSeccompCached(seccomp: LinuxSeccomp, opts: SeccompCompileOptions = {}): CompiledSeccomp {
  const key = JSON.stringify([seccomp, opts.native ?? null]);
  const hit = compiled.get(key);
  if (hit) {
    opts.logger?.debug({ instructions: hit.length }, 'seccomp: filter compiled ahead of need');
    return hit;
  }
  const result = compileSeccomp(seccomp, opts);
  if (compiled.size >= LIMIT) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, result);
  return result;
}

/** Compiles a filter ahead of need (errors are left to the create that uses it). */
export function warmSeccomp(seccomp: LinuxSeccomp): void {
  try {
    compileSeccompCached(seccomp);
  } catch {
    // the same filter fails again, with its message, when a container uses it
  }
}
