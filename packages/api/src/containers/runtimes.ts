// dockerd's runtimes: the in-process one ("ce"), "runc" from PATH, and those
// added with --add-runtime name=path; one of them the default.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { invalidArgument } from '@ce/protocol';
import { DEFAULT_RUNTIME } from './model/defaults.js';

/** The name a task is created with and, but for ce's own runtime, its runc-compatible binary. */
export interface ResolvedRuntime {
  name: string;
  /** Empty for the in-process runtime. */
  path: string;
}

/** Where `name` is on `PATH`, or undefined. */
export function lookPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `--add-runtime name=path` values, as dockerd reads them. */
export function parseAddedRuntimes(values: readonly string[]): Record<string, string> {
  const added: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = eq > 0 ? value.slice(0, eq) : '';
    const path = eq > 0 ? value.slice(eq + 1) : '';
    if (!name || !path) throw new Error(`invalid runtime: ${value} (expected name=path)`);
    if (name === DEFAULT_RUNTIME) throw new Error(`runtime name '${DEFAULT_RUNTIME}' is reserved`);
    if (added[name] !== undefined) throw new Error(`runtime ${name} is added twice`);
    added[name] = path;
  }
  return added;
}

export class RuntimeTable {
  private current: { added: Readonly<Record<string, string>>; defaultName: string };

  constructor(
    added: Readonly<Record<string, string>> = {},
    defaultName = DEFAULT_RUNTIME,
    private readonly findOnPath: (name: string) => string | undefined = lookPath,
  ) {
    this.current = { added, defaultName };
    if (!this.has(defaultName)) throw new Error(`the default runtime ${defaultName} is not a known runtime`);
  }

  get defaultName(): string {
    return this.current.defaultName;
  }

  private get added(): Readonly<Record<string, string>> {
    return this.current.added;
  }

  /** dockerd's reload of runtimes and default-runtime: containers started from now on use these; an unknown default changes nothing. */
  replace(added: Readonly<Record<string, string>>, defaultName = DEFAULT_RUNTIME): void {
    const previous = this.current;
    this.current = { added, defaultName };
    if (!this.has(defaultName)) {
      this.current = previous;
      throw new Error(`the default runtime ${defaultName} is not a known runtime`);
    }
  }

  private has(name: string): boolean {
    return name === DEFAULT_RUNTIME || this.added[name] !== undefined || name === 'runc';
  }

  /** The runtime `name` (empty: the default) stands for; Docker's error when it is unknown. */
  resolve(name: string): ResolvedRuntime {
    const wanted = name || this.defaultName;
    if (wanted === DEFAULT_RUNTIME) return { name: wanted, path: '' };
    const given = this.added[wanted];
    if (given !== undefined) return { name: wanted, path: isAbsolute(given) ? given : (this.findOnPath(given) ?? given) };
    const onPath = wanted === 'runc' ? this.findOnPath('runc') : undefined;
    if (!onPath) throw invalidArgument(`Unknown runtime specified ${wanted}`);
    return { name: wanted, path: onPath };
  }

  /** Every runtime name with its path ("" for the in-process one), runc only when it is found. */
  list(): ResolvedRuntime[] {
    const names = [DEFAULT_RUNTIME, ...Object.keys(this.added), ...(this.added.runc === undefined ? ['runc'] : [])];
    return names.flatMap((n) => {
      try {
        return [this.resolve(n)];
      } catch {
        return [];
      }
    });
  }
}
