// The host's own /etc/hosts and resolv.conf, which containers start from.
import { readFile } from 'node:fs/promises';
import { resolvNameservers } from './resolv-conf-parse.js';

export const HOST_RESOLV_CONF = '/etc/resolv.conf';
/** systemd-resolved's file with the real upstream servers. */
export const SYSTEMD_RESOLV_CONF = '/run/systemd/resolve/resolv.conf';

/**
 * Which file Docker reads for containers: systemd-resolved's own file when
 * /etc/resolv.conf names only its stub 127.0.0.53 (useless inside a
 * container), else /etc/resolv.conf.
 */
export function hostResolvConfPath(etcResolvConf: string | undefined): string {
  const ns = etcResolvConf === undefined ? [] : resolvNameservers(etcResolvConf);
  return ns.length === 1 && ns[0] === '127.0.0.53' ? SYSTEMD_RESOLV_CONF : HOST_RESOLV_CONF;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The host's resolv.conf for containers (undefined when there is none), read from `etcPath` (for tests). */
export async function readHostResolvConf(etcPath = HOST_RESOLV_CONF): Promise<string | undefined> {
  const etc = await readOptional(etcPath);
  if (etcPath !== HOST_RESOLV_CONF) return etc;
  const path = hostResolvConfPath(etc);
  return path === etcPath ? etc : readOptional(path);
}

export async function readHostEtcHosts(path = '/etc/hosts'): Promise<string | undefined> {
  return readOptional(path);
}
