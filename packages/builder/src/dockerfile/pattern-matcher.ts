// .dockerignore patterns matched as Docker 20.10 matches them (docker/docker
// pkg/fileutils PatternMatcher, which the CLI uses to pick the context's
// files): each pattern becomes a regular expression (`*` and `?` stop at `/`,
// `**` crosses folders, other regexp characters such as `[a-z]` keep their
// regexp meaning); a pattern also matches a path when it matches one of the
// path's parent folders; the last matching pattern wins, `!` ones include.

import { cleanPath, dirPath } from './clean-path.js';

const badPattern = 'syntax error in pattern';

export interface IgnorePattern {
  /** The cleaned pattern, without its `!`. */
  pattern: string;
  /** A `!` pattern: matching paths are sent after all. */
  exclusion: boolean;
  /** The pattern's folder depth: its parts split on `/`. */
  depth: number;
  regexp: RegExp;
}

/** Go's filepath.Match syntax check: a trailing `\`, or a bad `[...]` class, is an error. */
function checkSyntax(pattern: string): void {
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      if (++i >= pattern.length) throw new Error(badPattern);
    } else if (ch === '[') {
      i++;
      if (pattern[i] === '^') i++;
      let ranges = 0;
      const escaped = (): void => {
        if (i >= pattern.length || pattern[i] === '-' || pattern[i] === ']') throw new Error(badPattern);
        if (pattern[i] === '\\') {
          i++;
          if (i >= pattern.length) throw new Error(badPattern);
        }
        i++;
      };
      for (;;) {
        if (i < pattern.length && pattern[i] === ']' && ranges > 0) break;
        escaped();
        if (pattern[i] === '-') {
          i++;
          escaped();
        }
        ranges++;
      }
    }
  }
}

function toRegExp(pattern: string): RegExp {
  const chars = [...pattern];
  let re = '^';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++;
        re += i + 1 >= chars.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '.' || ch === '$') {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      // Escapes the next character; a trailing one stays literal.
      const next = chars[i + 1];
      if (next === undefined) re += '\\\\';
      else {
        re += /[\\^$.*+?()[\]{}|/-]/.test(next) ? `\\${next}` : next;
        i++;
      }
    } else {
      re += ch;
    }
  }
  try {
    return new RegExp(`${re}$`);
  } catch {
    throw new Error(badPattern);
  }
}

export class PatternMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** Whether any pattern is a `!` exception. */
  readonly hasExclusions: boolean;

  /** Throws Docker's words for a bad pattern (`illegal exclusion pattern: "!"`, `syntax error in pattern`). */
  constructor(patterns: readonly string[]) {
    const out: IgnorePattern[] = [];
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw new Error('illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
      }
      checkSyntax(p);
      out.push({ pattern: p, exclusion, depth: p.split('/').length, regexp: toRegExp(p) });
    }
    this.patterns = out;
    this.hasExclusions = out.some((p) => p.exclusion);
  }

  /** Whether the context path (relative, `/`-separated) is ignored. */
  matches(path: string): boolean {
    const file = cleanPath(path);
    const parent = dirPath(file);
    const parentParts = parent.split('/');
    let matched = false;
    for (const p of this.patterns) {
      let match = p.regexp.test(file);
      if (!match && parent !== '.' && p.depth <= parentParts.length) {
        match = p.regexp.test(parentParts.slice(0, p.depth).join('/'));
      }
      if (match) matched = !p.exclusion;
    }
    return matched;
  }

  /**
   * For an ignored folder: whether a `!` pattern may include something below
   * it, so that the walk must still enter it (the folder itself is not sent).
   * Docker 20.10 checks only that the exception starts with the folder's path:
   * `!**\/keep` does not reopen an ignored folder.
   */
  mayIncludeBelow(dir: string): boolean {
    if (!this.hasExclusions) return false;
    const prefix = `${cleanPath(dir)}/`;
    return this.patterns.some((p) => p.exclusion && `${p.pattern}/`.startsWith(prefix));
  }
}
