// .dockerignore as Docker 20.10 reads and applies it: the CLI reads the
// patterns (readDockerignore), keeps the Dockerfile and .dockerignore in the
// context even when they match (they are always sent), and walks the
// context with the matcher (ContextFilter); the daemon then deletes those two
// from the received context when they match (buildFilesToRemove), so that
// `COPY . .` does not copy them.

import { cleanPath } from './clean-path.js';
import { PatternMatcher } from './pattern-matcher.js';

export { PatternMatcher, type IgnorePattern } from './pattern-matcher.js';
export { cleanPath } from './clean-path.js';

/** The patterns of a .dockerignore: `#` comment lines and blank lines dropped, paths cleaned, a leading `/` removed. */
export function readDockerignore(text: string): string[] {
  const lines = (text.startsWith('\ufeff') ? text.slice(1) : text).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const patterns: string[] = [];
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

/** Docker CLI's TrimBuildFilesFromExcludes: exceptions that keep .dockerignore and the Dockerfile in the context. */
export function keepBuildFiles(patterns: readonly string[], dockerfile?: string, dockerfileFromStdin = false): string[] {
  const out = [...patterns];
  if (new PatternMatcher(out).matches('.dockerignore')) out.push('!.dockerignore');
  if (dockerfile !== undefined && !dockerfileFromStdin && new PatternMatcher(out).matches(dockerfile)) out.push(`!${dockerfile}`);
  return out;
}

/** The daemon's removeDockerfile: which of .dockerignore and the Dockerfile to delete from the received context. */
export function buildFilesToRemove(patterns: readonly string[], dockerfile: string): string[] {
  const matcher = new PatternMatcher(patterns);
  return ['.dockerignore', dockerfile].filter((f) => matcher.matches(f));
}

export interface WalkDecision {
  /** Put this entry in the context. */
  send: boolean;
  /** For a folder: walk into it (also when the folder itself is not sent, for a `!` exception below it). */
  descend: boolean;
}

/** What the context walk does with each entry, as the Docker CLI's tar of the context does. */
export class ContextFilter {
  readonly matcher: PatternMatcher;

  /** `dockerfile`: the Dockerfile's path relative to the context, when it is inside it. */
  constructor(patterns: readonly string[], options: { dockerfile?: string; dockerfileFromStdin?: boolean } = {}) {
    const dockerfile = options.dockerfile === undefined ? undefined : cleanPath(options.dockerfile);
    this.matcher = new PatternMatcher(keepBuildFiles(patterns, dockerfile, options.dockerfileFromStdin));
  }

  /** For a path relative to the context root, `/`-separated (the root itself is always walked). */
  decide(path: string, isDir: boolean): WalkDecision {
    if (!this.matcher.matches(path)) return { send: true, descend: isDir };
    return { send: false, descend: isDir && this.matcher.mayIncludeBelow(path) };
  }
}
