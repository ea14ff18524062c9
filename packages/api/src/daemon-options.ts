// ced's flags and /etc/ce/daemon.json, read and merged as dockerd reads its flags and daemon.json.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseUlimit } from '@ce/runtime/spec';
import { DEFAULT_SOCKET_GROUP, resolveConfig, SHIM_MODES, type DaemonConfig, type NetworkConfig, type ShimMode } from './config.js';
import { parseAddedRuntimes } from './containers/runtimes.js';
import { decodeGoJsonObject } from './go-json-syntax.js';
import { networkConfigFromFlags } from './network-flags.js';
import { parseListenAddress } from '@ce/docker-api';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export const DEFAULT_CONFIG_FILE = '/etc/ce/daemon.json';

export const CED_FLAGS = {
  'config-file': { type: 'string' },
  root: { type: 'string' },
  state: { type: 'string' },
  host: { type: 'string', short: 'H' },
  'docker-host': { type: 'string', multiple: true },
  'cri-socket': { type: 'string' },
  'cri-stream-address': { type: 'string' },
  'cri-stream-port': { type: 'string' },
  group: { type: 'string', short: 'G' },
  'log-level': { type: 'string', short: 'l' },
  'log-file': { type: 'string' },
  'supervisor-address': { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  'registry-mirror': { type: 'string', multiple: true },
  'certs-dir': { type: 'string' },
  'seccomp-profile': { type: 'string' },
  'log-driver': { type: 'string' },
  'log-opt': { type: 'string', multiple: true },
  init: { type: 'boolean' },
  'init-path': { type: 'string' },
  'add-runtime': { type: 'string', multiple: true },
  'default-runtime': { type: 'string' },
  'shim-mode': { type: 'string' },
  'default-ulimit': { type: 'string', multiple: true },
  bridge: { type: 'string', short: 'b' },
  bip: { type: 'string' },
  'default-address-pool': { type: 'string', multiple: true },
  iptables: { type: 'string' },
  'ip-forward': { type: 'string' },
  'network-chain-prefix': { type: 'string' },
  mtu: { type: 'string' },
  dns: { type: 'string', multiple: true },
  'dns-search': { type: 'string', multiple: true },
  'dns-opt': { type: 'string', multiple: true },
  'cni-config-dir': { type: 'string' },
  'cni-bin-dir': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

type FlagName = Exclude<keyof typeof CED_FLAGS, 'help' | 'config-file'>;
export type FlagValues = { [K in FlagName]?: (typeof CED_FLAGS)[K] extends { multiple: true } ? string[] : (typeof CED_FLAGS)[K] extends { type: 'boolean' } ? boolean : string };

/** A daemon.json value read as the value of the flag it stands for; throws a message naming the key when the value has the wrong shape. */
interface FileKey {
  flag: FlagName;
  read: (value: unknown, key: string) => string | string[] | boolean;
}

const text = (value: unknown, key: string): string => {
  if (typeof value !== 'string') throw new Error(`"${key}" must be a string`);
  return value;
};
const texts = (value: unknown, key: string): string[] => {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new Error(`"${key}" must be an array of strings`);
  return value as string[];
};
const boolean = (value: unknown, key: string): boolean => {
  if (typeof value !== 'boolean') throw new Error(`"${key}" must be true or false`);
  return value;
};
/** For the flags ced takes as "true"/"false" text (--iptables=false). */
const boolText = (value: unknown, key: string): string => String(boolean(value, key));
const object = (value: unknown, key: string): Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`"${key}" must be an object`);
  return value as Record<string, unknown>;
};

/** dockerd's "hosts": ced serves one unix socket. */
function socketFromHosts(value: unknown, key: string): string {
  const hosts = texts(value, key);
  if (hosts.length !== 1) throw new Error(`"${key}": ced serves exactly one unix socket, ${hosts.length} given`);
  const host = hosts[0]!;
  if (/^[a-z]+:\/\//.test(host) && !host.startsWith('unix://') && !host.startsWith('fd://')) throw new Error(`"${key}": ${host}: ced serves a unix socket only (unix:// or systemd's fd://)`);
  return host.replace(/^unix:\/\//, '');
}

/** --docker-host values, each checked (loopback only for TCP); "none" alone turns the Docker API off. */
function dockerHosts(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length === 1 && values[0] === 'none') return [];
  for (const value of values) {
    try {
      parseListenAddress(value);
    } catch (err) {
      throw new Error(`--docker-host: ${(err as Error).message}`);
    }
  }
  return values;
}

/** --cri-socket: a unix socket path ("unix://" optional); "none" turns the CRI off. */
function criSocket(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return '';
  const path = value.replace(/^unix:\/\//, '');
  if (!path.startsWith('/')) throw new Error(`--cri-socket: ${value}: an absolute unix socket path is needed (or "none")`);
  return path;
}

function runtimes(value: unknown, key: string): string[] {
  return Object.entries(object(value, key)).map(([name, runtime]) => {
    const { path, runtimeArgs, ...rest } = object(runtime, `${key}.${name}`);
    if (runtimeArgs !== undefined || Object.keys(rest).length) throw new Error(`"${key}.${name}": only "path" is supported`);
    return `${name}=${text(path, `${key}.${name}.path`)}`;
  });
}

function addressPools(value: unknown, key: string): string[] {
  if (!Array.isArray(value)) throw new Error(`"${key}" must be an array of {"base": CIDR, "size": N}`);
  return value.map((pool, i) => {
    const { base, size } = object(pool, `${key}[${i}]`);
    if (typeof size !== 'number') throw new Error(`"${key}[${i}].size" must be a number`);
    return `base=${text(base, `${key}[${i}].base`)},size=${size}`;
  });
}

function logOpts(value: unknown, key: string): string[] {
  return Object.entries(object(value, key)).map(([k, v]) => `${k}=${text(v, `${key}.${k}`)}`);
}

function portNumber(value: unknown, key: string): string {
  if (typeof value !== 'number' && typeof value !== 'string') throw new Error(`"${key}" must be a port number`);
  return String(value);
}

/** --cri-stream-port: containerd's stream_server_port, 0 for a free one. */
function streamPort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new Error(`--cri-stream-port: ${value}: a port number (0-65535) is needed`);
  return port;
}

function shimMode(value: string | undefined): ShimMode | undefined {
  if (value === undefined) return undefined;
  if (!(SHIM_MODES as readonly string[]).includes(value)) throw new Error(`--shim-mode: ${value}: one of ${SHIM_MODES.join(', ')} is needed`);
  return value as ShimMode;
}

function mtu(value: unknown, key: string): string {
  if (typeof value !== 'number') throw new Error(`"${key}" must be a number`);
  return String(value);
}

/** dockerd's default-ulimits, {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}, as --default-ulimit values. */
function ulimits(value: unknown, key: string): string[] {
  return Object.entries(object(value, key)).map(([name, limit]) => {
    const { Name, Hard, Soft } = object(limit, `${key}.${name}`);
    if (Name !== undefined && Name !== name) throw new Error(`"${key}.${name}.Name" is "${String(Name)}", not "${name}"`);
    if (!Number.isInteger(Hard) || !Number.isInteger(Soft)) throw new Error(`"${key}.${name}" needs integer "Hard" and "Soft"`);
    return `${name}=${Soft as number}:${Hard as number}`;
  });
}

/** daemon.json's keys: dockerd's names where dockerd has the setting, the flag's name otherwise. */
export const FILE_KEYS: Record<string, FileKey> = {
  'data-root': { flag: 'root', read: text },
  'exec-root': { flag: 'state', read: text },
  hosts: { flag: 'host', read: socketFromHosts },
  'docker-hosts': { flag: 'docker-host', read: texts },
  'cri-socket': { flag: 'cri-socket', read: text },
  'cri-stream-address': { flag: 'cri-stream-address', read: text },
  'cri-stream-port': { flag: 'cri-stream-port', read: portNumber },
  group: { flag: 'group', read: text },
  'log-level': { flag: 'log-level', read: text },
  'log-file': { flag: 'log-file', read: text },
  'supervisor-address': { flag: 'supervisor-address', read: text },
  'insecure-registries': { flag: 'insecure-registry', read: texts },
  'registry-mirrors': { flag: 'registry-mirror', read: texts },
  'certs-dir': { flag: 'certs-dir', read: text },
  'seccomp-profile': { flag: 'seccomp-profile', read: text },
  'log-driver': { flag: 'log-driver', read: text },
  'log-opts': { flag: 'log-opt', read: logOpts },
  init: { flag: 'init', read: boolean },
  'init-path': { flag: 'init-path', read: text },
  runtimes: { flag: 'add-runtime', read: runtimes },
  'default-runtime': { flag: 'default-runtime', read: text },
  'shim-mode': { flag: 'shim-mode', read: text },
  bridge: { flag: 'bridge', read: text },
  bip: { flag: 'bip', read: text },
  'default-address-pools': { flag: 'default-address-pool', read: addressPools },
  iptables: { flag: 'iptables', read: boolText },
  'ip-forward': { flag: 'ip-forward', read: boolText },
  'network-chain-prefix': { flag: 'network-chain-prefix', read: text },
  mtu: { flag: 'mtu', read: mtu },
  dns: { flag: 'dns', read: texts },
  'dns-search': { flag: 'dns-search', read: texts },
  'dns-opts': { flag: 'dns-opt', read: texts },
  'cni-config-dir': { flag: 'cni-config-dir', read: text },
  'cni-bin-dirs': { flag: 'cni-bin-dir', read: texts },
  'default-ulimits': { flag: 'default-ulimit', read: ulimits },
};

export function parseCedArgs(args: string[]): { flags: FlagValues; configFile?: string; help: boolean } {
  const { values } = parseArgs({ args, options: CED_FLAGS, strict: true });
  const { help, 'config-file': configFile, ...flags } = values;
  return { flags: flags as FlagValues, configFile, help: help ?? false };
}

/** Go's %v of a flag or file value, as dockerd prints them in its conflict error. */
function goValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (typeof value === 'object' && value !== null) return `map[${Object.entries(value).map(([k, v]) => `${k}:${goValue(v)}`).join(' ')}]`;
  return String(value);
}

/**
 * The flags with daemon.json's settings added, as dockerd merges them: a key
 * no setting has, or a setting given both ways, is an error; so is a value of
 * the wrong shape. `file` names the file in the message.
 */
export function mergeDaemonJson(flags: FlagValues, json: Record<string, unknown>, file: string): FlagValues {
  const fail = (message: string) => new Error(`unable to configure the ce daemon with file ${file}: ${message}`);
  const unknown = Object.keys(json).filter((k) => !Object.hasOwn(FILE_KEYS, k)).sort();
  if (unknown.length) throw fail(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  const conflicts = Object.keys(json)
    .filter((k) => flags[FILE_KEYS[k]!.flag] !== undefined)
    .map((k) => `${k}: (from flag: ${goValue(flags[FILE_KEYS[k]!.flag])}, from file: ${goValue(json[k])})`);
  if (conflicts.length) throw fail(`the following directives are specified both as a flag and in the configuration file: ${conflicts.join(', ')}`);
  const fromFile: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const mapping = FILE_KEYS[key]!;
    try {
      fromFile[mapping.flag] = mapping.read(value, key);
    } catch (err) {
      throw fail((err as Error).message);
    }
  }
  // The file's values checked alone, as their flags' are, so that a bad one is named by its key and file.
  try {
    configFromFlags(fromFile as FlagValues, {});
  } catch (err) {
    throw fail((err as Error).message.replace(/^--([a-z-]+):/, (text, flag: string) => {
      const key = Object.keys(json).find((k) => FILE_KEYS[k]!.flag === flag);
      return key ? `"${key}":` : text;
    }));
  }
  return { ...flags, ...fromFile } as FlagValues;
}

/** ced's configuration from its flags (with daemon.json's): defaults filled, each value checked. Throws a message naming the bad flag. */
export function configFromFlags(v: FlagValues, env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  let runtimes: Record<string, string>;
  try {
    runtimes = parseAddedRuntimes(v['add-runtime'] ?? []);
  } catch (err) {
    throw new Error(`--add-runtime: ${(err as Error).message}`);
  }
  const network: Partial<NetworkConfig> = networkConfigFromFlags(v);
  let defaultUlimits: DaemonConfig['defaultUlimits'];
  try {
    defaultUlimits = v['default-ulimit']?.map(parseUlimit);
  } catch (err) {
    throw new Error(`--default-ulimit: ${(err as Error).message}`);
  }
  if (v['log-level'] !== undefined && !LOG_LEVELS.includes(v['log-level'])) throw new Error(`unable to parse logging level: ${v['log-level']}`);
  return resolveConfig(
    {
      root: v.root,
      state: v.state,
      socket: v.host?.replace(/^unix:\/\//, ''),
      socketGroup: v.group ?? DEFAULT_SOCKET_GROUP,
      dockerHosts: dockerHosts(v['docker-host']),
      criSocket: criSocket(v['cri-socket']),
      criStreamAddress: v['cri-stream-address'],
      criStreamPort: streamPort(v['cri-stream-port']),
      logLevel: v['log-level'],
      logFile: v['log-file'],
      supervisorAddress: v['supervisor-address'],
      insecureRegistries: v['insecure-registry'],
      registryMirrors: v['registry-mirror'],
      certsDir: v['certs-dir'],
      seccompProfile: v['seccomp-profile'],
      logDriver: v['log-driver'],
      logOpts: v['log-opt'],
      init: v.init,
      initPath: v['init-path'],
      runtimes,
      defaultRuntime: v['default-runtime'],
      shimMode: shimMode(v['shim-mode']),
      defaultUlimits,
      network,
    },
    env,
  );
}

/**
 * The flags merged with daemon.json at `configFile` (default /etc/ce/daemon.json).
 * A missing default file is no error; a missing file named with --config-file is, as with dockerd.
 */
export function withDaemonJson(flags: FlagValues, configFile: string | undefined, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): FlagValues {
  const file = configFile ?? DEFAULT_CONFIG_FILE;
  let source: string;
  try {
    source = read(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && configFile === undefined) return flags;
    throw new Error(`unable to configure the ce daemon with file ${file}: open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  let json: Record<string, unknown>;
  try {
    // Read as dockerd reads it: a syntax error in Go's encoding/json words.
    json = decodeGoJsonObject(source);
  } catch (err) {
    throw new Error(`unable to configure the ce daemon with file ${file}: ${(err as Error).message}`);
  }
  return mergeDaemonJson(flags, json, file);
}
