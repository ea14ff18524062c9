// Writes a container's hosts, hostname and resolv.conf into its folder.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@ce/protocol/atomic-file';

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
 * fsync, rename). Not for a running container: its bind mounts hold the old
 * files, which a rename does not change (use rewriteEtcFile).
 */
export async function writeEtcFiles(containerDir: string, content: EtcFilesContent): Promise<EtcFilesPaths> {
  const paths = etcFilesPaths(containerDir);
  await writeFileAtomic(paths.hosts, content.hosts);
  await writeFileAtomic(paths.hostname, content.hostname);
  await writeFileAtomic(paths.resolvConf, content.resolvConf);
  return paths;
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
