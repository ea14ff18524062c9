// docker search --filter (registry/service.go in Docker 20.10): stars=N,
// is-official=bool, is-automated=bool; shared by `ce search` and the Docker
// API's GET /images/search.
import { invalidArgument } from './errors/index.js';
import type { SearchResult } from './gen/ce/images/v1/images.js';

/** The test the filter pairs make; a key Docker does not know, or a bad value, is an InvalidArgument with Docker's words. */
export function searchResultFilter(pairs: readonly { key: string; value: string }[]): (r: SearchResult) => boolean {
  const tests: ((r: SearchResult) => boolean)[] = [];
  const bool = (key: string, v: string) => {
    if (!/^(true|false|1|0)$/i.test(v)) throw invalidArgument(`Invalid filter '${key}=${v}'`);
    return /^(true|1)$/i.test(v);
  };
  for (const { key, value } of pairs) {
    if (key === 'stars') {
      if (!/^\d+$/.test(value)) throw invalidArgument(`Invalid filter 'stars=${value}'`);
      tests.push((r) => r.starCount >= Number(value));
    } else if (key === 'is-official') {
      const want = bool(key, value);
      tests.push((r) => r.isOfficial === want);
    } else if (key === 'is-automated') {
      const want = bool(key, value);
      tests.push((r) => r.isAutomated === want);
    } else throw invalidArgument(`Invalid filter '${key}'`);
  }
  return (r) => tests.every((t) => t(r));
}
