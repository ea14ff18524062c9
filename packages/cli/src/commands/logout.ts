import type { Command } from 'commander';
import { authKey, DEFAULT_DOMAIN, dockerConfigPath, removeCredentials } from '@ce/protocol/registry-auth';
import { CliExit } from '../errors.js';

/** The registry host a `login`/`logout` server argument names (a URL or host[:port]; none: Docker Hub). */
export function serverHost(server: string | undefined): string {
  if (!server) return DEFAULT_DOMAIN;
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') return DEFAULT_DOMAIN;
  return host;
}

export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('Log out from a registry')
    .usage('[SERVER]')
    .argument('[server]')
    .action(async (server: string | undefined) => {
      const host = serverHost(server);
      const shown = host === DEFAULT_DOMAIN ? authKey(host) : host;
      let removed: boolean;
      try {
        removed = await removeCredentials(host, dockerConfigPath());
      } catch (err) {
        throw new CliExit(1, (err as Error).message);
      }
      process.stdout.write(removed ? `Removing login credentials for ${shown}\n` : `Not logged in to ${shown}\n`);
    });
}
