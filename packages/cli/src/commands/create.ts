import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { addCreateFlags, createContainer, type CreateFlags } from '../create-options.js';

export function registerCreate(program: Command, connect: () => Connection): void {
  const cmd = program
    .command('create')
    .description('Create a new container')
    .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions();
  addCreateFlags(cmd)
    .helpOption('--help', 'Print usage')
    .action(async (image: string, command: string[], opts: CreateFlags) => {
      const created = await createContainer(connect(), 'create', image, command, opts);
      for (const w of created.warnings) process.stderr.write(`WARNING: ${w}\n`);
      process.stdout.write(`${created.id}\n`);
    });
}
