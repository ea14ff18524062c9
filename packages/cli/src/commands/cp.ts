import type { Command } from 'commander';
import { CeError } from '@ce/protocol';
import { splitCopyArg } from '@ce/protocol/copy';
import type { Connection } from '../connection.js';
import { copyFromContainer, copyToContainer } from '../container-copy.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

export function registerCp(program: Command, connect: () => Connection): void {
  program
    .command('cp')
    .description('Copy files/folders between a container and the local filesystem')
    .usage(`[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-
  ce cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH`)
    .argument('<source>')
    .argument('<destination>')
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
    .action(async (source: string, destination: string, opts: { archive?: boolean; followLink?: boolean }) => {
      const src = splitCopyArg(source);
      const dst = splitCopyArg(destination);
      if (src.container && dst.container) throw new CliExit(1, 'copying between containers is not supported');
      if (!src.container && !dst.container) throw new CliExit(1, 'must specify at least one container source');
      if ((src.container && !src.path) || (dst.container && !dst.path)) throw new CliExit(1, 'filepath can not be empty');
      const conn = connect();
      const copy = { followLink: !!opts.followLink, copyUidGid: !!opts.archive };
      try {
        if (src.container) await copyFromContainer(conn, src.container, src.path, dst.path, copy);
        else await copyToContainer(conn, src.path, dst.container, dst.path, copy);
      } catch (err) {
        // The daemon's errors are worded as such; the local side's (paths, copy rules) are printed as they are, as docker cp does.
        throw new CliExit(1, err instanceof CeError ? daemonErrorMessage(err, conn.target) : (err as Error).message);
      }
    });
}
