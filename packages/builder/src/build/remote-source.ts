// ADD <url>: the file downloaded into a private folder, named after the URL's
// last path segment, mode 0600 and the Last-Modified time when the server
// gives one (Docker's downloadSource); it is copied as it is, never unpacked.
import { mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BuildError } from './build-error.js';
import type { MatchedSource } from './source-match.js';

export const isRemoteSource = (source: string) => /^https?:\/\//.test(source);

export async function downloadSource(url: string, scratchDir: string, signal: AbortSignal): Promise<MatchedSource> {
  const name = posix.basename(new URL(url).pathname);
  if (!name || name === '/') throw new BuildError(`cannot determine filename from url: ${url}`);
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    throw new BuildError(`Get "${url}": ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new BuildError(`failed to GET ${url} with status ${res.status} ${res.statusText}: ${body.toString('utf8')}`);
  const dir = await mkdtemp(join(scratchDir, 'download-'));
  const host = join(dir, name);
  await writeFile(host, body, { mode: 0o600 });
  const modified = res.headers.get('last-modified');
  if (modified && !Number.isNaN(Date.parse(modified))) await utimes(host, new Date(modified), new Date(modified));
  return { path: `/${name}`, host, isDir: false, remote: true };
}
