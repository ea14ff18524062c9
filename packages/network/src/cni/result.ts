// Plugin results (SPEC.md "Section 5: Result Types"). 0.3.0 to 1.0.0 share
// one layout; 0.x marks each IP with "version": "4" | "6", which 1.0.0
// dropped. Results are kept raw (so fields ce does not know pass through
// unchanged to the next plugin and the cache) and read through CniResult.
import { CeError } from '@ce/protocol/errors';
import { isSupportedVersion, versionAtLeast } from './versions.js';

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** The netns path for a container-side interface; absent for a host-side one. */
  sandbox?: string;
  [field: string]: unknown;
}

export interface CniIpConfig {
  /** CIDR, e.g. 10.22.0.5/24 */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
  [field: string]: unknown;
}

export interface CniRoute {
  /** CIDR */
  dst: string;
  gw?: string;
  [field: string]: unknown;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A chain's result, read in the 1.0.0 layout whatever version the plugin wrote. */
export interface CniResult {
  /** The version the last plugin answered in. */
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  dns: CniDns;
}

export type RawResult = Record<string, unknown>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayField(raw: RawResult, key: string, where: string): Record<string, unknown>[] {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isObject)) throw new CeError('Internal', `${where}: ${key}: must be an array of objects`);
  return v;
}

/**
 * Parses a plugin's stdout as a result. A result without cniVersion is taken
 * to be in the configuration's version, as libcni's fixupResultVersion does.
 * `where` names the plugin for the error.
 */
export function parseResult(stdout: string, configVersion: string, where: string): RawResult {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch (err) {
    throw new CeError('Internal', `${where}: result is not valid JSON (${(err as Error).message}): ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  if (!isObject(raw)) throw new CeError('Internal', `${where}: result must be a JSON object`);
  if (raw['cniVersion'] === undefined || raw['cniVersion'] === '') raw['cniVersion'] = configVersion;
  checkResult(raw, where);
  return raw;
}

/** Checks the fields ce reads; throws Internal naming the field. */
export function checkResult(raw: RawResult, where: string): void {
  const version = raw['cniVersion'];
  if (typeof version !== 'string' || !isSupportedVersion(version)) {
    throw new CeError('Internal', `${where}: cniVersion: result version ${JSON.stringify(version)} is not supported`);
  }
  const interfaces = arrayField(raw, 'interfaces', where);
  interfaces.forEach((itf, i) => {
    if (typeof itf['name'] !== 'string') throw new CeError('Internal', `${where}: interfaces[${i}].name: must be a string`);
  });
  arrayField(raw, 'ips', where).forEach((ip, i) => {
    if (typeof ip['address'] !== 'string' || !ip['address'].includes('/')) {
      throw new CeError('Internal', `${where}: ips[${i}].address: must be a CIDR address`);
    }
    const idx = ip['interface'];
    if (idx !== undefined && idx !== null && (!Number.isInteger(idx) || (idx as number) < 0 || (idx as number) >= interfaces.length)) {
      throw new CeError('Internal', `${where}: ips[${i}].interface: ${JSON.stringify(idx)} is not an index into interfaces`);
    }
  });
  arrayField(raw, 'routes', where).forEach((r, i) => {
    if (typeof r['dst'] !== 'string') throw new CeError('Internal', `${where}: routes[${i}].dst: must be a string`);
  });
  if (raw['dns'] !== undefined && !isObject(raw['dns'])) throw new CeError('Internal', `${where}: dns: must be an object`);
}

/** The raw result in another version's layout (libcni's GetAsVersion), for prevResult. */
export function resultAsVersion(raw: RawResult, version: string): RawResult {
  const ips = arrayField(raw, 'ips', 'result').map((ip) => {
    const { version: _drop, ...rest } = ip;
    if (versionAtLeast(version, '1.0.0')) return rest;
    return { ...rest, version: String(ip['address']).includes(':') ? '6' : '4' };
  });
  return { ...raw, cniVersion: version, ...(raw['ips'] === undefined ? {} : { ips }) };
}

/** The typed view of a raw result, in the 1.0.0 layout. */
export function readResult(raw: RawResult): CniResult {
  const plain = resultAsVersion(raw, '1.0.0');
  return {
    cniVersion: String(raw['cniVersion']),
    interfaces: (plain['interfaces'] as CniInterface[] | undefined) ?? [],
    ips: (plain['ips'] as CniIpConfig[] | undefined) ?? [],
    routes: (plain['routes'] as CniRoute[] | undefined) ?? [],
    dns: (plain['dns'] as CniDns | undefined) ?? {},
  };
}
