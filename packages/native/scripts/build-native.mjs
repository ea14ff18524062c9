#!/usr/bin/env node
// Builds the addon and ce-init with node-gyp. Offline machines cannot download
// Node's headers, so the system's headers (Debian's nodejs-dev layout under
// /usr/include/node) are used when present.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');

const args = [nodeGyp, 'rebuild', '--jobs', 'max'];
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
if (nodedir) args.push(`--nodedir=${nodedir}`);
execFileSync(process.execPath, args, { cwd: pkgDir, stdio: ['ignore', 'inherit', 'inherit'] });
