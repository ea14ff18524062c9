import { CliExit, EXIT_ENGINE_ERROR } from './errors.js';
import { logTimestamp } from './log-time.js';

/**
 * Docker's FilterOpt: "name=value", the name lower-cased and both trimmed;
 * anything else ends the command as a flag error (`flag` as docker names
 * it in the message: "-f, --filter" or "--filter").
 */
export function parseFilterFlag(value: string, command: string, flag = '-f, --filter'): { key: string; value: string } {
  const eq = value.indexOf('=');
  if (eq < 0) throw new CliExit(EXIT_ENGINE_ERROR, `invalid argument "${value}" for "${flag}" flag: bad format of filter (expected name=value)\nSee 'ce ${command} --help'.`);
  return { key: value.slice(0, eq).trim().toLowerCase(), value: value.slice(eq + 1).trim() };
}

/**
 * A prune's --filter values as the daemon takes them: until in Docker's every
 * form becomes Unix seconds (durations count back from now, here); a value
 * that is none is left for the daemon to refuse in its own words.
 */
export function pruneFilterFlags(values: readonly string[], command: string, flag = '--filter'): { key: string; value: string }[] {
  return values.map((v) => {
    const f = parseFilterFlag(v, command, flag);
    if (f.key !== 'until') return f;
    try {
      return { key: f.key, value: logTimestamp(f.value) };
    } catch {
      return f;
    }
  });
}
