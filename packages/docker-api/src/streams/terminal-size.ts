import { invalidArgument } from '@ce/protocol';
import type { RequestContext } from '../request-context.js';

/** The `h` and `w` of a resize, as dockerd reads them (strconv.Atoi: both required, a bad one is a 400 in Go's words). */
export function terminalSize(ctx: RequestContext): { width: number; height: number } {
  const read = (name: string) => {
    const raw = ctx.query.get(name) ?? '';
    if (!/^[+-]?\d+$/.test(raw)) throw invalidArgument(`strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`);
    const n = Number(raw);
    if (n < 0 || n > 0xffff) throw invalidArgument(`invalid terminal size ${name}=${raw}: it must be between 0 and 65535`);
    return n;
  };
  return { height: read('h'), width: read('w') };
}
