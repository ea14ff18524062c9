// A service's `build:` section: the string (a context) or the mapping put in
// one long form (context absolute, args and labels as mappings), and what
// ce's builder is asked for when the service is built.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ComposeError } from './compose-error.js';
import type { BuildConfig } from './model.js';

type ListOrDict = (value: unknown) => Record<string, string | null>;

/** Keys ce's builder acts on; cache_from is accepted and left unused, as the classic builder mostly does. */
const SUPPORTED = new Set(['context', 'dockerfile', 'args', 'target', 'labels', 'network', 'cache_from', 'no_cache', 'pull', 'tags']);

/** One file's section; the context (when given) resolved, its default and check left to completeBuild, after the files merge. */
export function normalizeBuild(raw: unknown, workingDir: string, listOrDict: ListOrDict): BuildConfig {
  const section = typeof raw === 'string' ? { context: raw } : ({ ...(raw as Record<string, unknown>) } as Record<string, unknown>);
  const { context: _context, ...rest } = section;
  const out = rest as BuildConfig;
  if (section.context !== undefined && section.context !== null) {
    const given = String(section.context);
    if (/^(https?|git):\/\/|^git@|^github\.com\//.test(given)) throw new ComposeError(`build path ${given}: ce compose builds from a local folder, not a URL.`);
    out.context = resolve(workingDir, given);
  }
  if (section.args !== undefined) out.args = listOrDict(section.args);
  if (section.labels !== undefined) {
    out.labels = Object.fromEntries(Object.entries(listOrDict(section.labels)).map(([k, v]) => [k, v ?? '']));
  }
  for (const key of ['dockerfile', 'target', 'network'] as const) if (section[key] !== undefined && section[key] !== null) out[key] = String(section[key]);
  return out;
}

/**
 * The merged section: the context defaults to the project folder and must
 * exist (1.29's words); an arg named without a value takes the project
 * environment's value, else '' (as 1.29's config resolves it).
 */
export function completeBuild(build: BuildConfig, workingDir: string, environment: Record<string, string | undefined>): BuildConfig {
  const context = build.context ?? workingDir;
  if (!existsSync(context)) throw new ComposeError(`build path ${context} either does not exist, is not accessible, or is not a valid URL.`);
  const out: BuildConfig = { ...build, context };
  if (build.args) out.args = Object.fromEntries(Object.entries(build.args).map(([k, v]) => [k, v ?? environment[k] ?? '']));
  return out;
}

/** The -f -f merge of two build sections: mappings key by key, the rest replaced. */
export function mergeBuild(base: BuildConfig, override: BuildConfig): BuildConfig {
  const out = { ...base, ...override };
  if (base.args && override.args) out.args = { ...base.args, ...override.args };
  if (base.labels && override.labels) out.labels = { ...base.labels, ...override.labels };
  return out;
}

/** Options of the section ce build has no flag for: a build that needs them is refused rather than done without. */
export function unsupportedBuildOptions(build: BuildConfig): string[] {
  return Object.keys(build).filter((k) => !SUPPORTED.has(k) && build[k] !== undefined && build[k] !== null);
}

/** The Dockerfile's path: relative to the context, as the Compose specification reads it. */
export function dockerfilePath(build: BuildConfig): string | undefined {
  if (!build.dockerfile) return undefined;
  return isAbsolute(build.dockerfile) ? build.dockerfile : resolve(build.context, build.dockerfile);
}
