// `docker commit -c` / `docker import -c`: Dockerfile instructions applied to
// an image's container config, as Docker's builder.BuildFromConfig does. Only
// the instructions that change the config are allowed (Docker's
// validCommitCommands). ENV, LABEL, EXPOSE, VOLUME, USER and WORKDIR expand
// `$VAR` against the config's Env as it stands at that change (the
// container's, for a commit); CMD, ENTRYPOINT, HEALTHCHECK and ONBUILD keep
// their text.
import { invalidArgument } from '@ce/protocol';
import type { OciContainerConfig } from '../oci/types.js';
import { processWord, processWords, splitRawWords } from './shell-words.js';

const CHANGE_INSTRUCTIONS = new Set(['cmd', 'entrypoint', 'env', 'expose', 'healthcheck', 'label', 'onbuild', 'user', 'volume', 'workdir']);

export interface ConfigChange {
  /** Lower-case instruction name ("cmd"). */
  instruction: string;
  /** The text after the instruction, trimmed. */
  args: string;
}

/** Parses `-c` values; throws InvalidArgument with Docker's wording for a bad or forbidden instruction. */
export function parseConfigChanges(changes: readonly string[]): ConfigChange[] {
  const out: ConfigChange[] = [];
  for (const raw of changes) {
    // Docker joins the changes into a Dockerfile: a value may hold several lines.
    for (const line of raw.split('\n')) {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      const match = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
      const instruction = match[1]!.toLowerCase();
      // Docker checks the instruction against its list before the Dockerfile's: an unknown one gets the same words.
      if (!CHANGE_INSTRUCTIONS.has(instruction)) throw invalidArgument(`${instruction} is not a valid change command`);
      const args = match[2]!.trim();
      if (args === '') throw invalidArgument(`${instruction.toUpperCase()} requires at least one argument`);
      out.push({ instruction, args });
    }
  }
  return out;
}

/** Applies parsed changes to a copy of `config`, in order. */
export function applyConfigChanges(config: OciContainerConfig, changes: readonly ConfigChange[]): OciContainerConfig {
  const c: OciContainerConfig = structuredClone(config);
  for (const { instruction, args } of changes) {
    switch (instruction) {
      case 'cmd':
        c.Cmd = commandForm(args);
        break;
      case 'entrypoint':
        c.Entrypoint = commandForm(args);
        // Docker: a new ENTRYPOINT clears the image's CMD unless this change set gave one.
        if (!changes.some((ch) => ch.instruction === 'cmd')) c.Cmd = null;
        break;
      case 'env':
        c.Env = mergeEnv(c.Env ?? [], keyValuePairs(args, 'ENV', c.Env ?? []));
        break;
      case 'label':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValuePairs(args, 'LABEL', c.Env ?? [])) };
        break;
      case 'expose': {
        const ports = blankSeparated(args).flatMap((w) => processWords(w, c.Env ?? []));
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const port of ports.flatMap(exposedPorts)) c.ExposedPorts[port] = {};
        break;
      }
      case 'volume': {
        const paths = (jsonArray(args) ?? blankSeparated(args)).map((w) => processWord(w, c.Env ?? []));
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const p of paths) {
          if (p.trim() === '') throw invalidArgument('VOLUME specified can not be an empty string');
          c.Volumes[p] = {};
        }
        break;
      }
      case 'healthcheck':
        c.Healthcheck = healthcheck(args);
        break;
      case 'user':
        c.User = processWord(args, c.Env ?? []);
        break;
      case 'workdir': {
        const path = processWord(args, c.Env ?? []);
        if (path === '') throw invalidArgument('cannot normalize nothing');
        c.WorkingDir = path.startsWith('/') ? path : `${(c.WorkingDir || '/').replace(/\/$/, '')}/${path}`;
        break;
      }
      case 'onbuild': {
        const trigger = /^(\S+)/.exec(args)![1]!.toLowerCase();
        if (trigger === 'onbuild') throw invalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (trigger === 'from' || trigger === 'maintainer') throw invalidArgument(`${trigger.toUpperCase()} isn't allowed as an ONBUILD trigger`);
        c.OnBuild = [...(c.OnBuild ?? []), args];
        break;
      }
    }
  }
  return c;
}

/** CMD/ENTRYPOINT: a JSON array (exec form) or a shell command line (run by /bin/sh -c). */
function commandForm(args: string): string[] {
  return jsonArray(args) ?? ['/bin/sh', '-c', args];
}

function jsonArray(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(args);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // Not JSON: Docker then takes the text in shell form.
  }
  return undefined;
}

/** VOLUME and EXPOSE words: split on blanks alone (quotes are removed by the expansion). */
const blankSeparated = (text: string): string[] => text.split(/\s+/).filter(Boolean);

/**
 * `K=V K2="v 2"`, or the legacy `K value with spaces` form (the rest of the
 * line is the value), each key and value expanded against `env` as Docker's
 * builder does.
 */
function keyValuePairs(args: string, instruction: string, env: readonly string[]): [string, string][] {
  const raw = splitRawWords(args);
  if (!raw[0]!.includes('=')) {
    const [key, value = ''] = args.split(/\s+(.*)/s);
    if (value.trim() === '') throw invalidArgument(`${instruction} must have two arguments`);
    return [[processWord(key!, env), processWord(value, env)]];
  }
  return raw.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) throw invalidArgument(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    const key = processWord(w.slice(0, eq), env);
    if (key === '') throw invalidArgument(`${instruction} names can not be blank`);
    return [key, processWord(w.slice(eq + 1), env)];
  });
}

function mergeEnv(env: string[], pairs: [string, string][]): string[] {
  const out = [...env];
  for (const [key, value] of pairs) {
    const at = out.findIndex((e) => e.split('=')[0] === key);
    if (at >= 0) out[at] = `${key}=${value}`;
    else out.push(`${key}=${value}`);
  }
  return out;
}

/** "80", "80/udp", "8000-8002/tcp" → Docker's "80/tcp" keys. */
function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw invalidArgument(`Invalid containerPort: ${spec}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || end > 65535 || end < start) throw invalidArgument(`invalid range format for --expose: ${spec}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: end - start + 1 }, (_, i) => `${start + i}/${proto}`);
}

type Healthcheck = NonNullable<OciContainerConfig['Healthcheck']>;

/** `HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--retries=N] CMD …` or `HEALTHCHECK NONE`. */
function healthcheck(args: string): Healthcheck {
  let rest = args;
  const check: Healthcheck = {};
  for (;;) {
    const flag = /^--([a-z-]+)=(\S*)\s*/.exec(rest);
    if (!flag) break;
    rest = rest.slice(flag[0].length);
    const [, name, value] = flag as unknown as [string, string, string];
    if (name === 'retries') {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw invalidArgument(`--retries must be at least 1 (not ${value})`);
      check.Retries = Number(value);
    } else if (name === 'interval' || name === 'timeout' || name === 'start-period') {
      const ns = goDuration(value);
      if (ns !== 0 && ns < 1_000_000) throw invalidArgument(`Interval "${name}" cannot be less than 1ms`);
      if (name === 'interval') check.Interval = ns;
      else if (name === 'timeout') check.Timeout = ns;
      else check.StartPeriod = ns;
    } else {
      throw invalidArgument(`Unknown flag: ${name}`);
    }
  }
  const kind = /^(\S+)\s*([\s\S]*)$/.exec(rest);
  const word = kind?.[1]?.toUpperCase();
  if (word === 'NONE') {
    if (kind![2] || rest !== args) throw invalidArgument('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (word !== 'CMD' || !kind![2]) throw invalidArgument(`Unknown type "${kind?.[1] ?? ''}" in HEALTHCHECK (try CMD)`);
  const exec = jsonArray(kind![2]);
  return { ...check, Test: exec ? ['CMD', ...exec] : ['CMD-SHELL', kind![2]] };
}

/** Go's time.ParseDuration, in nanoseconds ("1m30s", "500ms"). */
function goDuration(text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw invalidArgument(`time: invalid duration "${text}"`);
  return Math.round(parts.reduce((n, p) => n + Number(p[1]) * units[p[2]!]!, 0));
}
