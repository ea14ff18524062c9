import { readdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { invalidArgument } from '@ce/protocol';
import { DEFAULT_DOMAIN } from '../reference/reference.js';
import { isErrno } from '../util/fs.js';
import type { RegistryOptions } from './types.js';

/** Where Docker Hub's registry API answers for the name docker.io. */
export const DOCKER_HUB_API = 'registry-1.docker.io';
export const DEFAULT_CERTS_DIR = '/etc/docker/certs.d';

/** One place to send a repository's requests: a mirror or the registry itself. */
export interface Endpoint {
  /** "https://registry-1.docker.io" (no trailing slash). */
  url: string;
  /** The registry the reference names ("docker.io"): credentials are looked up by it. */
  registry: string;
  mirror: boolean;
  /** CA certificates to trust for this endpoint (system ones included); undefined: Node's defaults. */
  ca?: Array<string | Buffer>;
}

/**
 * true for hosts Docker reaches over plain HTTP without being told: localhost
 * and 127.0.0.0/8 (Docker's default insecure CIDR; [::1] is not in it).
 */
export function isLoopbackHost(host: string): boolean {
  const name = stripPort(host);
  if (name === 'localhost') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

function stripPort(host: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (v6) return v6[1]!;
  return host.replace(/:\d+$/, '');
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!net || isIP(net) !== 4 || isIP(ip) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ipv4ToInt(ip) & mask) >>> 0) === ((ipv4ToInt(net) & mask) >>> 0);
}

/** Whether `host` ("host:port") is reached over plain HTTP under these options. */
export function isInsecureRegistry(host: string, insecure: readonly string[] = []): boolean {
  if (isLoopbackHost(host)) return true;
  const name = stripPort(host);
  return insecure.some((entry) => {
    const e = entry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    if (e.includes('/')) return inCidr(name, e);
    return e === host || e === name;
  });
}

/** The CA files Docker reads for a registry: `<certsDir>/<host:port>/*.crt`. */
async function certsDirCAs(certsDir: string, host: string): Promise<Buffer[]> {
  const dir = join(certsDir, host);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return [];
    throw err;
  }
  const out: Buffer[] = [];
  for (const name of names.sort()) if (name.endsWith('.crt')) out.push(await readFile(join(dir, name)));
  return out;
}

function endpointUrl(spec: string, insecure: readonly string[], what: string): URL {
  const withScheme = /^[a-z]+:\/\//i.test(spec)
    ? spec
    : `${isInsecureRegistry(spec.replace(/\/.*$/, ''), insecure) ? 'http' : 'https'}://${spec}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidArgument(`invalid ${what} ${JSON.stringify(spec)}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(`invalid ${what} ${JSON.stringify(spec)}: only http and https are supported`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw invalidArgument(`invalid ${what} ${JSON.stringify(spec)}: a registry endpoint has no path`);
  }
  return url;
}

/**
 * The endpoints to try for a registry, in order: its mirrors (from
 * `options.mirrors[registry]`), then the registry itself. docker.io is served
 * at registry-1.docker.io; loopback and insecure registries over plain HTTP.
 */
export async function resolveEndpoints(registry: string, options: RegistryOptions = {}): Promise<Endpoint[]> {
  const insecure = options.insecureRegistries ?? [];
  const certsDir = options.certsDir ?? DEFAULT_CERTS_DIR;
  const extraCa = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  const make = async (url: URL, mirror: boolean): Promise<Endpoint> => {
    const ca = url.protocol === 'https:' ? [...extraCa, ...(await certsDirCAs(certsDir, url.host))] : [];
    return {
      url: `${url.protocol}//${url.host}`,
      registry,
      mirror,
      ca: ca.length ? [...rootCertificates, ...ca] : undefined,
    };
  };
  const out: Endpoint[] = [];
  for (const m of options.mirrors?.[registry] ?? []) out.push(await make(endpointUrl(m, insecure, `mirror of ${registry}`), true));
  const origin = registry === DEFAULT_DOMAIN ? DOCKER_HUB_API : registry;
  out.push(await make(endpointUrl(origin, insecure, 'registry'), false));
  return out;
}
