import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { unary } from '@ce/protocol';
import type { LoginResponse } from '@ce/protocol/gen/ce/images/v1/images';
import { dockerConfigPath, saveCredentials } from '@ce/protocol/registry-auth';
import type { Connection } from '../connection.js';
import { CliExit, registryCommandErrorMessage } from '../errors.js';
import { serverHost } from './logout.js';

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  // As docker: trailing newlines (from echo or a file) are not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/[\r\n]+$/, '');
}

async function prompt(question: string, hidden: boolean): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (hidden) {
    // Echo nothing while the password is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith(question)) process.stdout.write(question);
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    if (hidden) process.stdout.write('\n');
  }
}

export function registerLogin(program: Command, connect: () => Connection): void {
  program
    .command('login')
    .description('Log in to a registry')
    .usage('[OPTIONS] [SERVER]')
    .argument('[server]')
    .option('-u, --username <username>', 'Username')
    .option('-p, --password <password>', 'Password')
    .option('--password-stdin', 'Take the password from stdin')
    .action(async (server: string | undefined, opts: { username?: string; password?: string; passwordStdin?: boolean }) => {
      if (opts.password !== undefined && opts.passwordStdin) throw new CliExit(1, '--password and --password-stdin are mutually exclusive');
      if (opts.passwordStdin && !opts.username) throw new CliExit(1, 'Must provide --username with --password-stdin');
      const host = serverHost(server);
      let username = opts.username;
      let password = opts.password;
      if (password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
      if (opts.passwordStdin) password = await readAllStdin();
      if (username === undefined || password === undefined) {
        if (!process.stdin.isTTY) throw new CliExit(1, 'Cannot perform an interactive login from a non TTY device');
        if (username === undefined) username = (await prompt('Username: ', false)).trim();
        if (password === undefined) password = await prompt('Password: ', true);
      }
      if (!username) throw new CliExit(1, 'Username is required');
      if (!password) throw new CliExit(1, 'Password is required');
      const conn = connect();
      try {
        await unary<LoginResponse>((cb) => conn.images.login({ server: host, auth: { username: username!, password: password!, identityToken: '', registryToken: '' } }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, registryCommandErrorMessage(err, conn.target));
      }
      const path = dockerConfigPath();
      try {
        await saveCredentials(host, { username, password }, path);
      } catch (err) {
        throw new CliExit(1, `Error saving credentials: ${(err as Error).message}`);
      }
      process.stdout.write(`WARNING! Your password will be stored unencrypted in ${path}.\n`);
      process.stdout.write(`Login Succeeded\n`);
    });
}
