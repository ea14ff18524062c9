// Network configurations from a directory (/etc/cni/net.d by default), as
// libcni's ConfFiles and LoadConfList find them: files ending .conflist,
// .conf or .json, in name order; a missing directory holds none.
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CeError, asCeError, notFound } from '@ce/protocol/errors';
import { parseConfigList, parseSingleConfig, type NetworkConfigList } from './config.js';

export const DEFAULT_CNI_CONF_DIR = '/etc/cni/net.d';

const LIST_EXTENSIONS = ['.conflist'];
const SINGLE_EXTENSIONS = ['.conf', '.json'];

export interface InvalidConfigFile {
  file: string;
  error: CeError;
}

export interface LoadedConfigs {
  /** The valid lists in file-name order; a name defined twice keeps its first file. */
  networks: NetworkConfigList[];
  /** Files that could not be read or used, each with its reason. */
  invalid: InvalidConfigFile[];
}

async function configFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw asCeError(err);
  }
  const names = entries
    .filter((e) => !e.isDirectory() && [...LIST_EXTENSIONS, ...SINGLE_EXTENSIONS].includes(extname(e.name)))
    .map((e) => e.name)
    .sort();
  return names.map((n) => join(dir, n));
}

/** Reads and checks one file: a .conflist as a list, a .conf or .json as one plugin upgraded to a list. */
export async function loadConfigFile(file: string): Promise<NetworkConfigList> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CeError(asCeError(err).code, `${file}: cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return LIST_EXTENSIONS.includes(extname(file)) ? parseConfigList(text, file) : parseSingleConfig(text, file);
}

async function tryLoad(file: string): Promise<NetworkConfigList | InvalidConfigFile> {
  try {
    return await loadConfigFile(file);
  } catch (err) {
    return { file, error: asCeError(err) };
  }
}

/** Every network configuration in `dir`, and the files that are not one. */
export async function loadNetworkConfigs(dir: string = DEFAULT_CNI_CONF_DIR): Promise<LoadedConfigs> {
  const out: LoadedConfigs = { networks: [], invalid: [] };
  const byName = new Map<string, string>();
  for (const file of await configFiles(dir)) {
    const loaded = await tryLoad(file);
    if ('error' in loaded) {
      out.invalid.push(loaded);
    } else if (byName.has(loaded.name)) {
      out.invalid.push({ file, error: new CeError('AlreadyExists', `${file}: name: network "${loaded.name}" is already defined by ${byName.get(loaded.name)}`) });
    } else {
      byName.set(loaded.name, file);
      out.networks.push(loaded);
    }
  }
  return out;
}

/**
 * The network named `name`, as libcni's LoadConfList finds it: the first
 * .conflist of that name, else the first .conf or .json (upgraded to a list).
 * NotFound names the directory and any files that could not be read.
 */
export async function loadNetworkConfig(name: string, dir: string = DEFAULT_CNI_CONF_DIR): Promise<NetworkConfigList> {
  const files = await configFiles(dir);
  const ordered = [
    ...files.filter((f) => LIST_EXTENSIONS.includes(extname(f))),
    ...files.filter((f) => SINGLE_EXTENSIONS.includes(extname(f))),
  ];
  const invalid: InvalidConfigFile[] = [];
  for (const file of ordered) {
    const loaded = await tryLoad(file);
    if ('error' in loaded) invalid.push(loaded);
    else if (loaded.name === name) return loaded;
  }
  const why = invalid.length ? `; files not usable: ${invalid.map((i) => i.error.message).join('; ')}` : '';
  throw notFound(`no CNI network configuration named "${name}" in ${dir}${why}`);
}
