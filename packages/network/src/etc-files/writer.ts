// Writes a container's hosts, hostname and resolv.conf into its folder.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface EtcFilesContent {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export interface EtcFilesPaths {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

/** /etc/hostname: Config.Hostname alone (not the domain name), as Docker writes it. */
export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/** The files' paths in a container folder, with Docker's names. */
export function etcFilesPaths(containerDir: string): EtcFilesPaths {
  return { hosts: join(containerDir, 'hosts'), hostname: join(containerDir, 'hostname'), resolvConf: join(containerDir, 'resolv.conf') };
}

/**
 * Before the container starts: each file whole or not at all (temporary file,
 * rename). Not for a running container: its bind mounts hold the old
 * files, which a rename does not change (use rewriteEtcFile).
 *
 * No fsync: the files are made from the container's record again at every
 * start (Docker writes them without one too), and a host crash stops the
 * container that used them. The six fsyncs of writeFileAtomic took a median
 * of 3 ms and a p90 of 27 ms of every start on a busy disk (docs/benchmarks.md).
 */
export async function writeEtcFiles(containerDir: string, content: EtcFilesContent): Promise<EtcFilesPaths> {
  const paths = etcFilesPaths(containerDir);
  await Promise.all([replaceFile(paths.hosts, content.hosts), replaceFile(paths.hostname, content.hostname), replaceFile(paths.resolvConf, content.resolvConf)]);
  return paths;
}

async function replaceFile(path: string, content: string): Promise<void> {
  const tmp = join(dirname(path), `.tmp-${basename(path)}-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(tmp, content, { mode: 0o644, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * A file of a running container (after network connect or disconnect):
 * rewritten in place, so the container's bind mount sees it, as Docker does.
 */
export async function rewriteEtcFile(path: string, content: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(0);
    await fh.write(content, 0, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}
