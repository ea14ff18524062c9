// The steps that change only the image config (Docker's dispatchers.go):
// each gives the new config and the words of its history entry
// (`/bin/sh -c #(nop) <comment>`); the build commits them as empty layers.
import { posix } from 'node:path';
import type { CommandForm, Instruction } from '../dockerfile/types.js';
import { BuildError } from './build-error.js';
import type { ImageConfig } from './ports.js';

export interface StageState {
  config: ImageConfig;
  /** The ARGs declared in the stage, with their values (undefined: declared, no value). */
  args: Map<string, string | undefined>;
  /** MAINTAINER: the image's author. */
  author?: string;
}

export type MetadataInstruction = Exclude<Instruction, { kind: 'RUN' | 'COPY' | 'ADD' }>;

/** Go's %q of a []string: ["a" "b"]. */
export const goQuotedList = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

/** The shell a shell-form command runs in: SHELL's, or Docker's default. */
export const shellOf = (config: ImageConfig) => (config.Shell?.length ? config.Shell : ['/bin/sh', '-c']);

/** A command as the config stores it: exec form as written, shell form wrapped in the shell. */
export function commandArgs(command: CommandForm, config: ImageConfig): string[] {
  return command.form === 'exec' ? command.args : [...shellOf(config), command.text];
}

export function envMap(config: ImageConfig): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of config.Env ?? []) {
    const i = e.indexOf('=');
    map.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  return map;
}

/** Docker replaces a variable in place, and appends a new one. */
function setEnv(config: ImageConfig, key: string, value: string): ImageConfig {
  const env = [...(config.Env ?? [])];
  const at = env.findIndex((e) => e.split('=')[0] === key);
  if (at >= 0) env[at] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  return { ...config, Env: env };
}

/** Docker's normalizeWorkdir: relative to the current one. */
export function nextWorkdir(current: string | undefined, path: string): string {
  return posix.isAbsolute(path) ? posix.normalize(path) : posix.join(current || '/', path);
}

const goDuration = (ns: number | undefined) => {
  if (!ns) return '0s';
  const s = ns / 1e9;
  return Number.isInteger(s) ? `${s}s` : `${ns / 1e6}ms`;
};

/** Applies one metadata instruction (its words already expanded); returns the history comment. */
export function applyMetadata(instruction: MetadataInstruction, state: StageState, buildArgs: ReadonlyMap<string, string | undefined>): string {
  const c = state.config;
  switch (instruction.kind) {
    case 'ENV': {
      let config = c;
      for (const { key, value } of instruction.pairs) config = setEnv(config, key, value);
      state.config = config;
      return `ENV ${instruction.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`;
    }
    case 'LABEL':
      state.config = { ...c, Labels: { ...(c.Labels ?? {}), ...Object.fromEntries(instruction.pairs.map((p) => [p.key, p.value])) } };
      return `LABEL ${instruction.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`;
    case 'WORKDIR':
      state.config = { ...c, WorkingDir: nextWorkdir(c.WorkingDir, instruction.path) };
      return `WORKDIR ${state.config.WorkingDir}`;
    case 'USER':
      state.config = { ...c, User: instruction.user };
      return `USER ${instruction.user}`;
    case 'CMD': {
      const cmd = commandArgs(instruction.command, c);
      state.config = { ...c, Cmd: cmd, ...(instruction.command.form === 'shell' ? { ArgsEscaped: true } : {}) };
      return `CMD ${goQuotedList(cmd)}`;
    }
    case 'ENTRYPOINT': {
      const entrypoint = commandArgs(instruction.command, c);
      // Docker: a new ENTRYPOINT resets the CMD the base image set.
      state.config = { ...c, Entrypoint: entrypoint, Cmd: null };
      return `ENTRYPOINT ${goQuotedList(entrypoint)}`;
    }
    case 'EXPOSE': {
      const ports = instruction.ports.map((p) => (p.includes('/') ? p.toLowerCase() : `${p}/tcp`));
      for (const p of ports) if (!/^\d+(-\d+)?\/(tcp|udp|sctp)$/.test(p)) throw new BuildError(`Invalid containerPort: ${p.split('/')[0]}`);
      state.config = { ...c, ExposedPorts: { ...(c.ExposedPorts ?? {}), ...Object.fromEntries(ports.map((p) => [p, {}])) } };
      // Docker's comment: the words as written, sorted (buildkit's parseExpose sorts them).
      return `EXPOSE ${[...instruction.ports].sort().join(' ')}`;
    }
    case 'VOLUME':
      for (const v of instruction.paths) if (!v.trim()) throw new BuildError('VOLUME specified can not be an empty string');
      state.config = { ...c, Volumes: { ...(c.Volumes ?? {}), ...Object.fromEntries(instruction.paths.map((p) => [p, {}])) } };
      return `VOLUME [${instruction.paths.join(' ')}]`;
    case 'SHELL':
      state.config = { ...c, Shell: instruction.shell };
      return `SHELL [${instruction.shell.join(' ')}]`;
    case 'STOPSIGNAL':
      state.config = { ...c, StopSignal: instruction.signal };
      return `STOPSIGNAL ${instruction.signal}`;
    case 'HEALTHCHECK': {
      const h = instruction;
      state.config = {
        ...c,
        Healthcheck: {
          Test: h.test,
          ...(h.intervalNs ? { Interval: h.intervalNs } : {}),
          ...(h.timeoutNs ? { Timeout: h.timeoutNs } : {}),
          ...(h.startPeriodNs ? { StartPeriod: h.startPeriodNs } : {}),
          ...(h.retries ? { Retries: h.retries } : {}),
        },
      };
      return `HEALTHCHECK &{${goQuotedList(h.test)} "${goDuration(h.intervalNs)}" "${goDuration(h.timeoutNs)}" "${goDuration(h.startPeriodNs)}" '\\x${(h.retries ?? 0).toString(16).padStart(2, '0')}'}`;
    }
    case 'ONBUILD':
      state.config = { ...c, OnBuild: [...(c.OnBuild ?? []), instruction.trigger] };
      return `ONBUILD ${instruction.trigger}`;
    case 'MAINTAINER':
      state.author = instruction.maintainer;
      return `MAINTAINER ${instruction.maintainer}`;
    case 'ARG': {
      const words: string[] = [];
      for (const a of instruction.args) {
        const value = buildArgs.has(a.name) ? (buildArgs.get(a.name) ?? a.defaultValue) : a.defaultValue;
        state.args.set(a.name, value);
        words.push(a.defaultValue !== undefined ? `${a.name}=${a.defaultValue}` : a.name);
      }
      return `ARG ${words.join(' ')}`;
    }
  }
}
