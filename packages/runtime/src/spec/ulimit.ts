// Docker's ulimit values (go-units ParseUlimit): `docker run --ulimit` and dockerd's --default-ulimit.
import { DOCKER_ULIMITS } from './linux-constants.js';

function parseLimit(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new Error(`strconv.ParseInt: parsing "${value}": invalid syntax`);
  return Number(value);
}

/** `name=soft[:hard]` (hard defaults to soft), with Docker's wording for bad ones. */
export function parseUlimit(value: string): { Name: string; Hard: number; Soft: number } {
  const eq = value.indexOf('=');
  if (eq < 0) throw new Error(`invalid ulimit argument: ${value}`);
  const name = value.slice(0, eq);
  if (!DOCKER_ULIMITS[name]) throw new Error(`invalid ulimit type: ${name}`);
  const parts = value.slice(eq + 1).split(':');
  if (parts.length > 2) throw new Error(`too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const soft = parseLimit(parts[0]!);
  const hard = parts[1] !== undefined ? parseLimit(parts[1]) : soft;
  if (soft > hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Hard: hard, Soft: soft };
}
