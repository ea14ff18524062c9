import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, type Command } from '../command.js';
import { runcExampleSpec } from '../example-spec.js';

export const spec: Command = {
  name: 'spec',
  usage: '',
  description: 'create a new specification file',
  flags: [
    { name: 'bundle', aliases: ['b'], type: 'string', usage: 'path to the root of the bundle directory' },
    { name: 'rootless', type: 'bool', usage: 'generate a configuration for a rootless container' },
  ],
  args: { exact: 0 },
  async run(_ctx, { flags }) {
    if (flags.rootless === true) throw new CliError('--rootless: rootless containers (user namespaces) are not supported by ce-runc yet');
    const bundle = (flags.bundle as string | undefined) ?? '.';
    if (flags.bundle !== undefined && !existsSync(bundle)) throw new CliError(`chdir ${bundle}: no such file or directory`);
    const file = join(bundle, 'config.json');
    if (existsSync(file)) throw new CliError('File config.json exists. Remove it first.');
    writeFileSync(file, JSON.stringify(runcExampleSpec(), null, '\t'), { mode: 0o666 });
    return 0;
  },
};
