import { unary } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { CLIENT_VERSION, API_VERSION } from '../version.js';

export function registerVersion(program: Command, connect: () => Connection): void {
  program
    .command('version')
    .description('Show the ce version information')
    .action(async () => {
      const out = process.stdout;
      out.write(
        `Client:\n Version:           ${CLIENT_VERSION}\n API version:       ${API_VERSION}\n Node version:      ${process.version}\n OS/Arch:           ${process.platform}/${process.arch}\n\n`,
      );
      const conn = connect();
      try {
        const v = await unary<import('@ce/protocol/gen/ce/api/v1/system').VersionResponse>((cb) => conn.system.version({}, cb), conn.target);
        out.write(
          `Server: ced\n Engine:\n  Version:          ${v.version}\n  API version:      ${v.apiVersion}\n  Node version:     ${v.nodeVersion}\n  OS/Arch:          ${v.os}/${v.arch}\n  Kernel Version:   ${v.kernelVersion}\n  Cgroup Version:   ${v.cgroupVersion}\n  Pid:              ${v.pid}\n`,
        );
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
    });
}
