// Which files make the project, where its folder is, its .env and its name,
// as docker-compose 1.29 decides them: -f (repeatable) or COMPOSE_FILE, else
// docker-compose.yml/.yaml (or compose.yml/.yaml) here or in a parent folder
// with its docker-compose.override.yml; -p, COMPOSE_PROJECT_NAME, else the
// folder's name, lowercased and cut to [a-z0-9_-].
import { existsSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { ComposeError } from './compose-error.js';
import { readEnvFile } from './env-file.js';

export interface ProjectOptions {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile?: string;
}

export interface ProjectFiles {
  files: string[];
  workingDir: string;
  name: string;
  /** The process's environment over the .env file's: what interpolation reads. */
  environment: Record<string, string>;
}

const DEFAULT_FILES = ['docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml'];
const OVERRIDE_FILES = ['docker-compose.override.yml', 'docker-compose.override.yaml', 'compose.override.yml', 'compose.override.yaml'];

const NOT_FOUND = `
        Can't find a suitable configuration file in this directory or any
        parent. Are you in the right directory?

        Supported filenames: ${DEFAULT_FILES.join(', ')}
        `;

export function projectFiles(options: ProjectOptions, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): ProjectFiles {
  const dotenvFolder = resolve(cwd, options.projectDirectory ?? '.');
  const dotenvPath = options.envFile ? resolve(cwd, options.envFile) : join(dotenvFolder, '.env');
  const dotenv = existsSync(dotenvPath) || options.envFile ? readEnvFile(dotenvPath, options.envFile ?? dotenvPath) : {};
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(dotenv)) if (v !== null) environment[k] = v;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) environment[k] = v;

  let files: string[];
  if (options.file?.length) files = options.file.map((f) => (f === '-' ? f : resolve(cwd, f)));
  else if (environment.COMPOSE_FILE) {
    const separator = environment.COMPOSE_PATH_SEPARATOR || delimiter;
    files = environment.COMPOSE_FILE.split(separator).filter(Boolean).map((f) => resolve(dotenvFolder, f));
  } else files = defaultFiles(cwd);
  if (files.includes('-')) throw new ComposeError('Reading the Compose file from standard input (-f -) is not supported by ce compose');

  const workingDir = options.projectDirectory ? resolve(cwd, options.projectDirectory) : dirname(files[0]!);
  const asked = options.projectName ?? environment.COMPOSE_PROJECT_NAME;
  const name = normalizeProjectName(asked || basename(workingDir));
  return { files, workingDir, name, environment };
}

/** docker-compose's normalize_name: lowercase, only [-_a-z0-9]; "default" when nothing is left. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[^-_a-z0-9]/g, '') || 'default';
}

function defaultFiles(cwd: string): string[] {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const found = DEFAULT_FILES.find((f) => existsSync(join(dir, f)));
    if (found) {
      const override = OVERRIDE_FILES.find((f) => existsSync(join(dir, f)));
      return [join(dir, found), ...(override ? [join(dir, override)] : [])];
    }
    if (dirname(dir) === dir) throw new ComposeError(NOT_FOUND);
  }
}
