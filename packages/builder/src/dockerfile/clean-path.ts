/** Go's filepath.Clean for slash-separated paths (no trailing slash, `.` for empty, `..` resolved lexically). */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Go's filepath.Dir for slash-separated paths. */
export function dirPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return cleanPath(slash < 0 ? '' : path.slice(0, slash + 1));
}
