/**
 * Command-line parsing with the rules runc's (urfave/cli v1 over Go's flag
 * package) follow: `-flag` and `--flag` are the same, values come as
 * `--flag value` or `--flag=value`, bool flags take no value (or `=true`/
 * `=false`), there is no grouping of short flags, `--` ends the flags, and
 * commands whose extra arguments are a command line (exec, ps) stop at the
 * first argument that is not a flag.
 */
export type FlagType = 'bool' | 'string' | 'strings' | 'int';

export interface FlagSpec {
  name: string;
  aliases?: string[];
  type: FlagType;
  usage: string;
  /** Shown as "(default: ...)" in help. */
  defaultText?: string;
}

export type FlagValues = Record<string, boolean | string | string[] | number | undefined>;

export interface Parsed {
  flags: FlagValues;
  args: string[];
  /** Names (canonical) of the flags given on the command line. */
  given: Set<string>;
}

/** A usage problem: runc prints "Incorrect Usage" with the command's help and exits 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], opts: { stopAtFirstArg: boolean }): Parsed {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of [s.name, ...(s.aliases ?? [])]) byName.set(n, s);
  const flags: FlagValues = {};
  const given = new Set<string>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (opts.stopAtFirstArg) {
        args.push(...argv.slice(i));
        break;
      }
      args.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    let value: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    if (spec.type === 'bool') {
      if (value !== undefined && !['true', 'false', '1', '0'].includes(value)) throw new UsageError(`invalid boolean value ${JSON.stringify(value)} for -${name}`);
      flags[spec.name] = value === undefined || value === 'true' || value === '1';
    } else {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
        value = argv[++i]!;
      }
      if (spec.type === 'int') {
        if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid value ${JSON.stringify(value)} for flag -${name}: parse error`);
        flags[spec.name] = Number(value);
      } else if (spec.type === 'strings') {
        flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), value];
      } else {
        flags[spec.name] = value;
      }
    }
    given.add(spec.name);
  }
  return { flags, args, given };
}

/** The OPTIONS lines of a help text, aligned as urfave/cli prints them. */
export function flagHelp(specs: readonly FlagSpec[]): string {
  const left = specs.map((s) => {
    const names = [s.name, ...(s.aliases ?? [])].map((n) => (n.length === 1 ? `-${n}` : `--${n}`)).join(', ');
    return s.type === 'bool' ? names : `${names} value`;
  });
  const width = Math.max(0, ...left.map((l) => l.length));
  return specs.map((s, i) => `   ${left[i]!.padEnd(width)}  ${s.usage}${s.defaultText ? ` (default: ${s.defaultText})` : ''}`).join('\n');
}

/** Go duration strings as runc's --interval takes them: "5s", "100ms", "1m30s". */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    end = re.lastIndex;
  }
  if (text === '' || end !== text.length) throw new UsageError(`invalid duration ${JSON.stringify(text)}`);
  return total;
}

/**
 * Sizes as runc's update flags take them (docker/go-units RAMInBytes):
 * a number with an optional b, k, m, g, t or p suffix (powers of 1024); -1 is unlimited.
 */
export function parseBytes(text: string, flag: string): number {
  const m = /^(-?\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`invalid value for ${flag}: ${JSON.stringify(text)}`);
  const power = ['', 'k', 'm', 'g', 't', 'p'].indexOf(m[2]!.toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}
