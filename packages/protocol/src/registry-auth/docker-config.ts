import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { invalidArgument } from '../errors/index.js';
import { DEFAULT_DOMAIN } from '../reference/reference.js';
import type { RegistryCredentials } from './credentials.js';
import { writeFileAtomic } from '../atomic-file.js';

/** The key Docker files Docker Hub's credentials under. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/**
 * Where the credentials live, chosen as the docker CLI chooses:
 * `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. ce shares the
 * file with docker on purpose: `docker login` and `ce login` see each other.
 */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  return join(dir, 'config.json');
}

/** The `auths` key for a registry host: Docker Hub's historical URL, otherwise the host itself. */
export function authKey(registry: string): string {
  return registry === DEFAULT_DOMAIN || registry === 'index.docker.io' || registry === 'registry-1.docker.io' ? DOCKER_HUB_AUTH_KEY : registry;
}

/** "https://host:port/v1/" → "host:port", as Docker matches `auths` keys. */
function keyHost(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

type ConfigDoc = Record<string, unknown> & { auths?: Record<string, AuthEntry> };

async function readConfig(path: string): Promise<ConfigDoc> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  if (text.trim() === '') return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidArgument(`${path}: the top level must be a JSON object`);
  const auths = (doc as ConfigDoc).auths;
  if (auths !== undefined && (typeof auths !== 'object' || auths === null || Array.isArray(auths))) {
    throw invalidArgument(`${path}: "auths" must be an object`);
  }
  return doc as ConfigDoc;
}

function decodeEntry(entry: AuthEntry, path: string, key: string): RegistryCredentials | undefined {
  if (typeof entry !== 'object' || entry === null) throw invalidArgument(`${path}: auths["${key}"] must be an object`);
  const out: RegistryCredentials = {};
  if (entry.auth) {
    if (typeof entry.auth !== 'string') throw invalidArgument(`${path}: auths["${key}"].auth must be a string`);
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidArgument(`${path}: auths["${key}"].auth is not base64 of "user:password"`);
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1);
  } else {
    if (typeof entry.username === 'string') out.username = entry.username;
    if (typeof entry.password === 'string') out.password = entry.password;
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken) out.identityToken = entry.identitytoken;
  if (typeof entry.registrytoken === 'string' && entry.registrytoken) out.registryToken = entry.registrytoken;
  return out.username || out.password || out.identityToken || out.registryToken ? out : undefined;
}

/** The saved credentials for a registry host, or undefined. */
export async function readCredentials(registry: string, path = dockerConfigPath()): Promise<RegistryCredentials | undefined> {
  const auths = (await readConfig(path)).auths ?? {};
  const key = authKey(registry);
  if (auths[key]) return decodeEntry(auths[key], path, key);
  const host = keyHost(key);
  for (const [k, entry] of Object.entries(auths)) if (keyHost(k) === host) return decodeEntry(entry, path, k);
  return undefined;
}

/** Saves credentials (as Docker does: base64 "user:password" in `auth`), keeping the rest of the file. */
export async function saveCredentials(registry: string, creds: { username: string; password: string }, path = dockerConfigPath()): Promise<void> {
  const doc = await readConfig(path);
  const auths = { ...(doc.auths ?? {}) };
  const key = authKey(registry);
  for (const k of Object.keys(auths)) if (k !== key && keyHost(k) === keyHost(key)) delete auths[k];
  auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, JSON.stringify({ ...doc, auths }, null, '\t') + '\n', 0o600);
}

/** Removes a registry's credentials; false when there were none. */
export async function removeCredentials(registry: string, path = dockerConfigPath()): Promise<boolean> {
  const doc = await readConfig(path);
  const auths = { ...(doc.auths ?? {}) };
  const host = keyHost(authKey(registry));
  const keys = Object.keys(auths).filter((k) => keyHost(k) === host);
  if (!keys.length) return false;
  for (const k of keys) delete auths[k];
  await writeFileAtomic(path, JSON.stringify({ ...doc, auths }, null, '\t') + '\n', 0o600);
  return true;
}
