// Network configuration lists as the CNI spec defines them (SPEC.md, "Section 1:
// Network configuration format"), parsed and checked as libcni does, with
// errors that name the file and the field. A single plugin's configuration
// (the legacy .conf) is upgraded to a list of one, as libcni's ConfListFromConf does.
import { CeError } from '@ce/protocol/errors';
import { compareVersions, isSemver, isSupportedVersion, SUPPORTED_CNI_VERSIONS, type CniVersion } from './versions.js';

/** One plugin of a list: its type and capabilities, and the object as written (sent to the plugin). */
export interface PluginConfig {
  /** The plugin's executable name, looked up in the bin dirs. */
  type: string;
  /** Capabilities the plugin declares (portMappings, ipRanges, bandwidth…): only these get runtimeConfig. */
  capabilities: Readonly<Record<string, boolean>>;
  /** Every field as written; name, cniVersion, prevResult and runtimeConfig are injected per call. */
  raw: Readonly<Record<string, unknown>>;
}

export interface NetworkConfigList {
  name: string;
  /** The version the chain is run in (from cniVersion, or the newest supported of cniVersions). */
  cniVersion: CniVersion;
  disableCheck: boolean;
  plugins: readonly PluginConfig[];
  /** The file it was read from, or what the caller named the text. */
  source: string;
  /** The list as JSON (for a .conf, the list made of it): what the result cache keeps. */
  bytes: string;
}

/** libcni's ValidateNetworkName (and ValidateContainerID): a letter or digit, then letters, digits, '_', '.', '-'. */
export const CNI_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class CniConfigError extends CeError {
  override name = 'CniConfigError';
  constructor(
    readonly source: string,
    readonly field: string,
    problem: string,
  ) {
    super('InvalidArgument', `${source}: ${field ? `${field}: ` : ''}${problem}`);
  }
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJsonObject(text: string, source: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CniConfigError(source, '', `not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(value)) throw new CniConfigError(source, '', 'must be a JSON object');
  return value;
}

/** Parses a .conflist: `{cniVersion, name, plugins: [...]}`. */
export function parseConfigList(text: string, source = 'configuration list'): NetworkConfigList {
  const obj = parseJsonObject(text, source);
  if (!('plugins' in obj) && typeof obj['type'] === 'string') {
    throw new CniConfigError(source, 'plugins', 'required (this looks like a single plugin configuration: name the file .conf)');
  }
  return checkList(obj, source, text);
}

/** Parses a single plugin's configuration (.conf, .json) and upgrades it to a list of one. */
export function parseSingleConfig(text: string, source = 'configuration'): NetworkConfigList {
  const obj = parseJsonObject(text, source);
  if (Array.isArray(obj['plugins'])) {
    throw new CniConfigError(source, 'type', 'required (this looks like a configuration list: name the file .conflist)');
  }
  const list = { name: obj['name'], cniVersion: obj['cniVersion'], plugins: [obj] };
  return checkList(list, source, JSON.stringify(list));
}

function checkList(obj: JsonObject, source: string, bytes: string): NetworkConfigList {
  const name = obj['name'];
  if (name === undefined) throw new CniConfigError(source, 'name', 'required');
  if (typeof name !== 'string' || !CNI_NAME_PATTERN.test(name)) {
    throw new CniConfigError(source, 'name', `${JSON.stringify(name)} is not a valid network name (a letter or digit, then letters, digits, '_', '.' or '-')`);
  }
  const plugins = obj['plugins'];
  if (plugins === undefined) throw new CniConfigError(source, 'plugins', 'required');
  if (!Array.isArray(plugins)) throw new CniConfigError(source, 'plugins', 'must be an array');
  if (plugins.length === 0) throw new CniConfigError(source, 'plugins', 'must hold at least one plugin');
  return {
    name,
    cniVersion: chooseVersion(obj, source),
    disableCheck: readBool(obj, 'disableCheck', source),
    plugins: plugins.map((p, i) => checkPlugin(p, `plugins[${i}]`, source)),
    source,
    bytes,
  };
}

/** cniVersion, or with cniVersions (spec 1.1) the newest version listed that ce supports. */
function chooseVersion(obj: JsonObject, source: string): CniVersion {
  const single = obj['cniVersion'];
  if (single !== undefined && typeof single !== 'string') throw new CniConfigError(source, 'cniVersion', 'must be a string');
  const many = obj['cniVersions'];
  if (many === undefined) {
    if (single === undefined || single === '') throw new CniConfigError(source, 'cniVersion', 'required');
    if (!isSupportedVersion(single)) throw new CniConfigError(source, 'cniVersion', unsupported(single));
    return single;
  }
  if (!Array.isArray(many)) throw new CniConfigError(source, 'cniVersions', 'must be an array of versions');
  const candidates: string[] = single ? [single] : [];
  many.forEach((v, i) => {
    if (typeof v !== 'string' || !isSemver(v)) throw new CniConfigError(source, `cniVersions[${i}]`, `${JSON.stringify(v)} is not a version`);
    candidates.push(v);
  });
  const usable = candidates.filter(isSupportedVersion).sort(compareVersions);
  const newest = usable.at(-1);
  if (!newest) throw new CniConfigError(source, 'cniVersions', unsupported(candidates.join(', ') || '(none)'));
  return newest;
}

function unsupported(version: string): string {
  return `${JSON.stringify(version)} is not supported (ce speaks CNI ${SUPPORTED_CNI_VERSIONS.join(', ')})`;
}

/** As libcni: a boolean, or the strings "true" and "false" in any case. */
function readBool(obj: JsonObject, key: string, source: string): boolean {
  const v = obj[key];
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw new CniConfigError(source, key, `must be true or false, not ${JSON.stringify(v)}`);
}

function checkPlugin(value: unknown, field: string, source: string): PluginConfig {
  if (!isObject(value)) throw new CniConfigError(source, field, 'must be an object');
  const type = value['type'];
  if (type === undefined) throw new CniConfigError(source, `${field}.type`, 'required');
  if (typeof type !== 'string' || type === '' || type === '.' || type === '..' || type.includes('/')) {
    throw new CniConfigError(source, `${field}.type`, `${JSON.stringify(type)} is not a plugin name`);
  }
  const caps = value['capabilities'];
  const capabilities: Record<string, boolean> = {};
  if (caps !== undefined) {
    if (!isObject(caps)) throw new CniConfigError(source, `${field}.capabilities`, 'must be an object of booleans');
    for (const [key, on] of Object.entries(caps)) {
      if (typeof on !== 'boolean') throw new CniConfigError(source, `${field}.capabilities.${key}`, 'must be true or false');
      capabilities[key] = on;
    }
  }
  return { type, capabilities, raw: value };
}
