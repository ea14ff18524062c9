import { readFile } from 'node:fs/promises';

/** Mount points of overlay mounts whose upper directory is `upper`, from /proc/self/mountinfo. */
export async function overlayMountsWithUpper(upper: string): Promise<string[]> {
  let info: string;
  try {
    info = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const [fstype, , superOptions = ''] = post.split(' ');
    if (fstype !== 'overlay') continue;
    if (superOptions.split(',').some((o) => unescape(o) === `upperdir=${upper}`)) out.push(unescape(pre.split(' ')[4] ?? ''));
  }
  return out;
}
