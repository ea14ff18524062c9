// docker images --filter (daemon/images/images.go in Docker 20.10): dangling,
// label, reference, before and since, over the images ced lists: shared by
// `ce images` and the Docker API's GET /images/json.
import type { Image } from './gen/ce/images/v1/images.js';
import { invalidArgument, notFound } from './errors/index.js';

const KEYS = new Set(['dangling', 'label', 'reference', 'before', 'since']);

/** Go's path.Match as a RegExp: `*` and `?` stop at "/", `[...]` classes, `\` escapes. */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escape(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return /(?!)/; // Go's ErrBadPattern: nothing matches
      const body = pattern.slice(i + 1, end);
      re += `[${body.startsWith('^') ? `^${body.slice(1)}` : body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function labelMatches(labels: Record<string, string> | undefined, term: string): boolean {
  const eq = term.indexOf('=');
  const key = eq < 0 ? term : term.slice(0, eq);
  if (!labels || !(key in labels)) return false;
  return eq < 0 || labels[key] === term.slice(eq + 1);
}

function danglingValue(values: string[]): boolean {
  let result = false;
  for (const v of values) {
    const lower = v.toLowerCase();
    if (lower === 'true' || lower === '1') result = true;
    else if (lower !== 'false' && lower !== '0') throw invalidArgument(`Invalid filter 'dangling=${v}'`);
  }
  return result;
}

/** The image `before`/`since` names: by name (familiar or not) or id prefix, as docker resolves it. */
function createdOf(images: readonly Image[], ref: string, familiar: (name: string) => string): number {
  const bare = ref.replace(/^sha256:/, '');
  const withTag = ref.includes(':') && !/^sha256:/.test(ref) ? ref : `${ref}:latest`;
  const found = images.find((i) => familiar(i.name) === ref || familiar(i.name) === withTag || i.name === ref || (bare.length >= 4 && i.id.replace(/^sha256:/, '').startsWith(bare)));
  if (!found) throw notFound(`No such image: ${ref}`);
  return found.created?.getTime() ?? 0;
}

/**
 * Keeps the images (one per name) the --filter pairs pick; `familiar` gives a
 * name's familiar form ("busybox:latest"). A key Docker does not know is an
 * InvalidArgument with Docker's message.
 */
export function filterImages(images: readonly Image[], pairs: readonly { key: string; value: string }[], familiar: (name: string) => string): Image[] {
  const map = new Map<string, string[]>();
  for (const { key, value } of pairs) {
    if (!KEYS.has(key)) throw invalidArgument(`Invalid filter '${key}'`);
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  const dangling = map.has('dangling') ? danglingValue(map.get('dangling')!) : undefined;
  const labels = map.get('label') ?? [];
  const references = (map.get('reference') ?? []).map(globRegExp);
  const before = map.has('before') ? Math.min(...map.get('before')!.map((r) => createdOf(images, r, familiar))) : undefined;
  const since = map.has('since') ? Math.max(...map.get('since')!.map((r) => createdOf(images, r, familiar))) : undefined;
  // Docker's dangling images: no tag left, only digest names ("repo@sha256:…") if any (ce keeps no nameless ones).
  const tagged = new Set(images.filter((i) => !i.name.includes('@')).map((i) => i.id));
  return images.filter((image) => {
    if (dangling === true && tagged.has(image.id)) return false;
    const created = image.created?.getTime() ?? 0;
    if (before !== undefined && !(created < before)) return false;
    if (since !== undefined && !(created > since)) return false;
    if (!labels.every((l) => labelMatches(image.configLabels, l))) return false;
    if (references.length) {
      const name = familiar(image.name);
      const repo = name.replace(/[:@][^:/@]*$/, '').replace(/@.*$/, '');
      if (!references.some((re) => re.test(name) || re.test(repo))) return false;
    }
    return true;
  });
}
