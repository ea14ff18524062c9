export { parseUlimit } from '@ce/runtime/spec';

// Docker's flag value parsers for sizes, CPUs and ulimits (go-units
// RAMInBytes, opts.NanoCPUs; units.ParseUlimit is @ce/runtime/spec's, which ced
// shares), with Docker's wording.

const SIZE = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const MULTIPLIERS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** A size in bytes with binary multipliers ("512", "64m", "1.5g", "10MiB"); throws `invalid size: 'x'`. */
export function parseRamSize(value: string): number {
  const m = SIZE.exec(value);
  if (!m) throw new Error(`invalid size: '${value}'`);
  return Math.trunc(Number(m[1]) * MULTIPLIERS[(m[2] ?? '').toLowerCase()]!);
}

/** --memory-swap: a size, or -1 for unlimited swap. */
export function parseSwapSize(value: string): number {
  return value === '-1' ? -1 : parseRamSize(value);
}

/** --cpus as nano CPUs ("1.5" → 1500000000); throws Docker's message for what is not a decimal number. */
export function parseNanoCpus(value: string): number {
  const t = value.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) throw new Error(`failed to parse ${value} as a rational number`);
  const [whole = '', fraction = ''] = t.replace(/^[+-]/, '').split('.');
  if (fraction.replace(/0+$/, '').length > 9) throw new Error('value is too precise');
  const nanos = Number(whole || '0') * 1e9 + Number(fraction.padEnd(9, '0').slice(0, 9));
  return t.startsWith('-') ? -nanos : nanos;
}

/** --device host[:container[:permissions]] as Docker's CLI splits it. */
export function parseDevice(value: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = value.split(':');
  let permissions = 'rwm';
  let container = '';
  if (parts.length === 3) {
    container = parts[1]!;
    permissions = parts[2]!;
  } else if (parts.length === 2) {
    if (/^[rwm]{1,3}$/.test(parts[1]!)) permissions = parts[1]!;
    else container = parts[1]!;
  } else if (parts.length !== 1) {
    throw new Error(`invalid device specification: ${value}.`);
  }
  const host = parts[0]!;
  if (!host.startsWith('/')) throw new Error(`${host} is not an absolute path.`);
  if (container && !container.startsWith('/')) throw new Error(`${container} is not an absolute path.`);
  if (!/^[rwm]{1,3}$/.test(permissions)) throw new Error(`bad mode specified: ${permissions}.`);
  return { PathOnHost: host, PathInContainer: container || host, CgroupPermissions: permissions };
}
