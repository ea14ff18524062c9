// The second pass of Docker's parser (moby/buildkit
// frontend/dockerfile/instructions/parse.go): each line's words become a
// typed instruction, with Docker's checks and error words.

import { parseGoDuration } from './duration.js';
import { InstructionFlags } from './flags.js';
import type { Node } from './lines.js';
import type {
  ArgDeclaration,
  CommandForm,
  FromInstruction,
  HealthcheckInstruction,
  Instruction,
  KeyValue,
} from './types.js';
import { trimSpace } from './words.js';

const atLeastOne = (cmd: string) => new Error(`${cmd} requires at least one argument`);
const exactlyOne = (cmd: string) => new Error(`${cmd} requires exactly one argument`);
const noDestination = (cmd: string) =>
  new Error(`${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`);

const stageNamePattern = /^[a-z][a-z0-9-_.]*$/;
/** Docker's container.MinimumDuration. */
const minimumDurationNs = 1e6;

function flags(node: Node, ...allowed: string[]): InstructionFlags {
  return new InstructionFlags(node.flags).allow(...allowed).parse();
}

function command(node: Node, args: string[] = node.args): CommandForm {
  return node.json ? { form: 'exec', args } : { form: 'shell', text: args.join(' ') };
}

function pairs(node: Node, cmd: string): KeyValue[] {
  if (node.args.length === 0) throw atLeastOne(cmd);
  if (node.args.length % 2 !== 0) throw new Error(`Bad input to ${cmd}, too many arguments`);
  const out: KeyValue[] = [];
  for (let i = 0; i < node.args.length; i += 2) {
    if (node.args[i] === '') throw new Error(`${cmd} names can not be blank`);
    out.push({ key: node.args[i]!, value: node.args[i + 1]! });
  }
  return out;
}

function single(node: Node, cmd: string, checkFlags = true): string {
  if (node.args.length !== 1) throw exactlyOne(cmd);
  if (checkFlags) flags(node);
  return node.args[0]!;
}

function from(node: Node, base: { original: string; location: { start: number; end: number } }): FromInstruction {
  const args = node.args;
  let stageName: string | undefined;
  if (args.length === 3 && args[1]!.toLowerCase() === 'as') {
    stageName = args[2]!.toLowerCase();
    if (!stageNamePattern.test(stageName)) {
      throw new Error(
        `invalid name for build stage: ${JSON.stringify(args[2])}, name can't start with a number or contain symbols`,
      );
    }
  } else if (args.length !== 1) {
    throw new Error('FROM requires either one or three arguments');
  }
  const platform = flags(node, 'platform').get('platform');
  return {
    kind: 'FROM',
    ...base,
    image: args[0]!,
    ...(platform !== undefined && { platform }),
    ...(stageName !== undefined && { stageName }),
  };
}

function interval(f: InstructionFlags, name: string): number | undefined {
  const value = f.get(name);
  if (value === undefined) return undefined;
  const ns = parseGoDuration(value);
  if (ns < minimumDurationNs) throw new Error(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
  return ns;
}

function healthcheck(node: Node, base: Pick<HealthcheckInstruction, 'original' | 'location'>): HealthcheckInstruction {
  if (node.args.length === 0) throw atLeastOne('HEALTHCHECK');
  const type = node.args[0]!.toUpperCase();
  const args = node.args.slice(1);
  if (type === 'NONE') {
    if (args.length !== 0) throw new Error('HEALTHCHECK NONE takes no arguments');
    // Docker reads no flags for NONE: `HEALTHCHECK --interval=5s NONE` is accepted.
    return { kind: 'HEALTHCHECK', ...base, test: ['NONE'] };
  }
  const f = flags(node, 'interval', 'timeout', 'start-period', 'retries');
  if (type !== 'CMD') throw new Error(`Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`);
  const cmd = node.json ? args : args.length === 0 ? [] : [args.join(' ')];
  if (cmd.length === 0) throw new Error('Missing command after HEALTHCHECK CMD');
  const check: HealthcheckInstruction = {
    kind: 'HEALTHCHECK',
    ...base,
    test: [node.json ? 'CMD' : 'CMD-SHELL', ...cmd],
  };
  const intervalNs = interval(f, 'interval');
  const timeoutNs = interval(f, 'timeout');
  const startPeriodNs = interval(f, 'start-period');
  if (intervalNs !== undefined) check.intervalNs = intervalNs;
  if (timeoutNs !== undefined) check.timeoutNs = timeoutNs;
  if (startPeriodNs !== undefined) check.startPeriodNs = startPeriodNs;
  const retries = f.get('retries');
  if (retries !== undefined) {
    if (!/^[+-]?\d+$/.test(retries)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: invalid syntax`);
    const n = Number(retries);
    if (n > 2 ** 31 - 1 || n < -(2 ** 31)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: value out of range`);
    if (n < 1) throw new Error(`--retries must be at least 1 (not ${n})`);
    check.retries = n;
  }
  return check;
}

function args(node: Node): ArgDeclaration[] {
  // Docker reads no flags on ARG (`ARG --x=1 a` declares a).
  if (node.args.length === 0) throw atLeastOne('ARG');
  return node.args.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) return { name: word };
    if (eq === 0) throw new Error('ARG names can not be blank');
    return { name: word.slice(0, eq), defaultValue: word.slice(eq + 1) };
  });
}

/**
 * The first check Docker 20.10 makes of a RUN --mount value (its fields are
 * key=value, but for ro/rw); the classic builder then refuses the flag at
 * dispatch (it needs BuildKit).
 */
function checkMount(value: string): void {
  for (const field of value.split(',')) {
    if (field.includes('=')) continue;
    if (['readonly', 'ro', 'readwrite', 'rw'].includes(field.toLowerCase())) continue;
    throw new Error(`invalid field '${field}' must be a key=value pair`);
  }
}

/** One parsed line as an instruction; throws Docker's words (the caller adds the line). */
export function parseInstruction(node: Node): Instruction | FromInstruction {
  const base = { original: trimSpace(node.line), location: { start: node.startLine, end: node.endLine } };
  switch (node.cmd) {
    case 'from':
      return from(node, base);
    case 'env':
      flags(node);
      return { kind: 'ENV', ...base, pairs: pairs(node, 'ENV') };
    case 'label':
      flags(node);
      return { kind: 'LABEL', ...base, pairs: pairs(node, 'LABEL') };
    case 'maintainer':
      return { kind: 'MAINTAINER', ...base, maintainer: single(node, 'MAINTAINER') };
    case 'add':
    case 'copy': {
      const kind = node.cmd === 'add' ? 'ADD' : 'COPY';
      if (node.args.length < 2) throw noDestination(kind);
      const f = kind === 'ADD' ? flags(node, 'chown', 'chmod') : flags(node, 'chown', 'from', 'chmod');
      const from = f.get('from');
      const chown = f.get('chown');
      const chmod = f.get('chmod');
      return {
        kind,
        ...base,
        sources: node.args.slice(0, -1),
        dest: node.args[node.args.length - 1]!,
        ...(from !== undefined && { from }),
        ...(chown !== undefined && { chown }),
        ...(chmod !== undefined && { chmod }),
      };
    }
    case 'onbuild': {
      if (node.args.length === 0) throw atLeastOne('ONBUILD');
      flags(node);
      const trigger = trimSpace(node.args[0]!).toUpperCase();
      if (trigger === 'ONBUILD') throw new Error('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new Error(`${trigger} isn't allowed as an ONBUILD trigger`);
      return { kind: 'ONBUILD', ...base, trigger: node.line.replace(/^\s*ONBUILD\s*/i, '') };
    }
    case 'workdir':
      return { kind: 'WORKDIR', ...base, path: single(node, 'WORKDIR') };
    case 'run': {
      const mounts = new InstructionFlags(node.flags).allowRepeated('mount').parse().getAll('mount');
      mounts.forEach(checkMount);
      return { kind: 'RUN', ...base, command: command(node), ...(mounts.length > 0 && { mounts }) };
    }
    case 'cmd':
      flags(node);
      return { kind: 'CMD', ...base, command: command(node) };
    case 'entrypoint':
      flags(node);
      return { kind: 'ENTRYPOINT', ...base, command: command(node) };
    case 'healthcheck':
      return healthcheck(node, base);
    case 'expose':
      if (node.args.length === 0) throw atLeastOne('EXPOSE');
      flags(node);
      return { kind: 'EXPOSE', ...base, ports: [...node.args].sort() };
    case 'user':
      return { kind: 'USER', ...base, user: single(node, 'USER') };
    case 'volume': {
      flags(node);
      if (node.args.length === 0) throw atLeastOne('VOLUME');
      const paths = node.args.map((v) => trimSpace(v));
      if (paths.includes('')) throw new Error('VOLUME specified can not be an empty string');
      return { kind: 'VOLUME', ...base, paths };
    }
    case 'stopsignal':
      // Docker reads no flags on STOPSIGNAL.
      return { kind: 'STOPSIGNAL', ...base, signal: single(node, 'STOPSIGNAL', false) };
    case 'arg':
      return { kind: 'ARG', ...base, args: args(node) };
    case 'shell': {
      flags(node);
      if (node.args.length === 0) throw atLeastOne('SHELL');
      if (!node.json) throw new Error('SHELL requires the arguments to be in JSON form');
      return { kind: 'SHELL', ...base, shell: node.args };
    }
    default:
      throw new Error(`unknown instruction: ${node.cmd.toUpperCase()}`);
  }
}
