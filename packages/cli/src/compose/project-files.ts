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
  const given = options.projectDirectory ? resolve(cwd, options.projectDirectory) : undefined;
  // COMPOSE_FILE may itself be in the .env file of the folder the command starts from.
  const startEnv = { ...definedValues(dotenvAt(join(given ?? cwd, '.env'))), ...definedValues(env) };
  let files: string[];
  if (options.file?.length) files = options.file.map((f) => (f === '-' ? f : resolve(cwd, f)));
  else if (startEnv.COMPOSE_FILE) {
    const separator = startEnv.COMPOSE_PATH_SEPARATOR || delimiter;
    files = startEnv.COMPOSE_FILE.split(separator).filter(Boolean).map((f) => resolve(given ?? cwd, f));
  } else files = defaultFiles(cwd);
  if (files.includes('-')) throw new ComposeError('Reading the Compose file from standard input (-f -) is not supported by ce compose');

  // As docker-compose 1.28+: the project folder is --project-directory, else the first file's folder, and its .env counts.
  const workingDir = given ?? dirname(files[0]!);
  const dotenv = options.envFile ? readEnvFile(resolve(cwd, options.envFile), options.envFile) : dotenvAt(join(workingDir, '.env'));
  const environment = { ...definedValues(dotenv), ...definedValues(env) };
  const asked = options.projectName ?? environment.COMPOSE_PROJECT_NAME;
  const name = normalizeProjectName(asked || basename(workingDir));
  return { files, workingDir, name, environment };
}

function dotenvAt(path: string): Record<string, string | null | undefined> {
  return existsSync(path) ? readEnvFile(path) : {};
}

function definedValues(values: Record<string, string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string') out[k] = v;
  return out;
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
