// Go's path.Clean and Docker's destination checks for Linux containers.

/** Go's path.Clean: one slash between names, no "." and no ".." that can be resolved; "." for an empty path. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const parts: string[] = [];
  for (const name of p.split('/')) {
    if (name === '' || name === '.') continue;
    if (name === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(name);
  }
  const joined = parts.join('/');
  if (rooted) return `/${joined}`;
  return joined || '.';
}

/** The reason a container path is refused as a mount destination, or undefined when it is fine. */
export function destinationProblem(p: string): string | undefined {
  if (cleanPath(p) === '/') return "invalid specification: destination can't be '/'";
  if (!p.startsWith('/')) return `invalid mount path: '${p}' mount path must be absolute`;
  return undefined;
}

/** Whether `p` is an absolute path (a bind source), as Go's path.IsAbs. */
export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}
