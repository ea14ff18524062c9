// The results of ADD kept on disk, in libcni's layout and format so the same
// tools read them: <dir>/results/<network>-<containerId>-<ifName>, a JSON
// object of kind "cniCacheV1" with the list's bytes (base64, as Go writes a
// []byte), the runtime arguments and the raw result. Written atomically, 0600.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@ce/protocol/atomic-file';
import { CeError } from '@ce/protocol/errors';
import type { RawResult } from './result.js';

export const DEFAULT_CNI_CACHE_DIR = '/var/lib/ce/network/cni';
const KIND = 'cniCacheV1';

export interface CachedAttachment {
  networkName: string;
  containerId: string;
  ifName: string;
  netns?: string;
  /** The configuration list the ADD ran, as JSON. */
  config: string;
  cniArgs?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  result: RawResult;
}

interface CacheFile {
  kind: string;
  containerId: string;
  config: string;
  ifName: string;
  networkName: string;
  netns?: string;
  cniArgs?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  result?: RawResult;
}

export class ResultCache {
  readonly resultsDir: string;
  constructor(readonly dir: string = DEFAULT_CNI_CACHE_DIR) {
    this.resultsDir = join(dir, 'results');
  }

  path(networkName: string, containerId: string, ifName: string): string {
    return join(this.resultsDir, `${networkName}-${containerId}-${ifName}`);
  }

  /** The cached attachment, or null when there is none. Internal when the file is not one. */
  async get(networkName: string, containerId: string, ifName: string): Promise<CachedAttachment | null> {
    const file = this.path(networkName, containerId, ifName);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return decode(text, file);
  }

  async put(att: CachedAttachment): Promise<void> {
    const body: CacheFile = {
      kind: KIND,
      containerId: att.containerId,
      config: Buffer.from(att.config, 'utf8').toString('base64'),
      ifName: att.ifName,
      networkName: att.networkName,
      ...(att.netns ? { netns: att.netns } : {}),
      ...(att.cniArgs?.length ? { cniArgs: att.cniArgs } : {}),
      ...(att.capabilityArgs && Object.keys(att.capabilityArgs).length ? { capabilityArgs: att.capabilityArgs } : {}),
      result: att.result,
    };
    await mkdir(this.resultsDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path(att.networkName, att.containerId, att.ifName), JSON.stringify(body), 0o600);
  }

  async remove(networkName: string, containerId: string, ifName: string): Promise<void> {
    await rm(this.path(networkName, containerId, ifName), { force: true });
  }

  /** Every cached attachment (of one container when given), as libcni's GetCachedAttachments; unreadable files are skipped. */
  async list(containerId?: string): Promise<CachedAttachment[]> {
    let names: string[];
    try {
      names = (await readdir(this.resultsDir)).filter((n) => !n.startsWith('.tmp-')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: CachedAttachment[] = [];
    for (const name of names) {
      if (containerId && !name.includes(`-${containerId}-`)) continue;
      const att = await readFile(join(this.resultsDir, name), 'utf8')
        .then((text) => decode(text, name))
        .catch(() => null);
      if (att && (!containerId || att.containerId === containerId)) out.push(att);
    }
    return out;
  }
}

function decode(text: string, file: string): CachedAttachment {
  let body: Partial<CacheFile>;
  try {
    body = JSON.parse(text) as Partial<CacheFile>;
  } catch (err) {
    throw new CeError('Internal', `${file}: cached CNI result is not valid JSON (${(err as Error).message})`);
  }
  if (body.kind !== KIND) throw new CeError('Internal', `${file}: cached CNI result has kind ${JSON.stringify(body.kind)}, not ${KIND}`);
  if (!body.networkName || !body.containerId || !body.ifName || typeof body.result !== 'object' || body.result === null) {
    throw new CeError('Internal', `${file}: cached CNI result lacks networkName, containerId, ifName or result`);
  }
  return {
    networkName: body.networkName,
    containerId: body.containerId,
    ifName: body.ifName,
    ...(body.netns ? { netns: body.netns } : {}),
    config: Buffer.from(body.config ?? '', 'base64').toString('utf8'),
    ...(body.cniArgs ? { cniArgs: body.cniArgs } : {}),
    ...(body.capabilityArgs ? { capabilityArgs: body.capabilityArgs } : {}),
    result: body.result,
  };
}
