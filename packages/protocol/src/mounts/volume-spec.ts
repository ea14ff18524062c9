// `-v` / HostConfig.Binds entries (moby's linuxParser.ParseMountRaw):
// [source:]destination[:mode], mode a comma list of rw|ro, z|Z,
// a propagation, nocopy and a consistency, at most one of each.
import { invalidArgument, isCeError } from '../errors/index.js';
import { invalidMode, invalidSpec } from './errors.js';
import { parseMountSpec } from './mount-config.js';
import { isAbsolute } from './paths.js';
import { PROPAGATION_MODES, type MountSpec, type ParsedMountPoint } from './types.js';

const MODE_KINDS: [kind: string, words: readonly string[]][] = [
  ['rw', ['rw', 'ro']],
  ['label', ['z', 'Z']],
  ['propagation', PROPAGATION_MODES],
  ['copy', ['nocopy']],
  ['consistency', ['consistent', 'cached', 'delegated']],
];

/** Whether a -v mode is valid: known words, at most one of each kind. */
export function isValidMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = new Map<string, number>();
  for (const word of mode.split(',')) {
    const kind = MODE_KINDS.find(([, words]) => words.includes(word))?.[0];
    if (!kind) return false;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.values()].every((n) => n <= 1);
}

function modeWord(mode: string, words: readonly string[]): string | undefined {
  return mode.split(',').find((w) => words.includes(w));
}

/**
 * One -v / Binds entry as a mount point: an absolute source is a bind, any
 * other source names a volume, no source makes an anonymous volume (Name '').
 * Throws Docker's `invalid volume specification: '<spec>'[: <why>]`.
 */
export function parseVolumeSpec(raw: string, volumeDriver = ''): ParsedMountPoint {
  const parts = splitN(raw, ':', 4);
  if (parts[0] === '') throw invalidSpec(raw);
  const spec: MountSpec = { Type: 'volume', Target: '' };
  let mode = '';
  switch (parts.length) {
    case 1:
      spec.Target = parts[0]!;
      break;
    case 2:
      // A destination and a mode is no volume: volumes cannot have a mode alone (/foo:rw).
      if (isValidMountMode(parts[1]!)) throw invalidSpec(raw);
      spec.Source = parts[0];
      spec.Target = parts[1]!;
      break;
    case 3:
      spec.Source = parts[0];
      spec.Target = parts[1]!;
      mode = parts[2]!;
      break;
    default:
      throw invalidSpec(raw);
  }
  if (!isValidMountMode(mode)) throw invalidMode(mode);
  spec.Type = spec.Source && isAbsolute(spec.Source) ? 'bind' : 'volume';
  spec.ReadOnly = modeWord(mode, ['rw', 'ro']) === 'ro';
  if (volumeDriver && spec.Type === 'volume') spec.VolumeOptions = { DriverConfig: { Name: volumeDriver } };
  if (modeWord(mode, ['nocopy'])) spec.VolumeOptions = { ...spec.VolumeOptions, NoCopy: true };
  const propagation = modeWord(mode, PROPAGATION_MODES);
  if (propagation) spec.BindOptions = { Propagation: propagation };
  let point: ParsedMountPoint;
  try {
    point = parseMountSpec(spec);
  } catch (err) {
    if (!isCeError(err)) throw err;
    throw invalidArgument(`invalid volume specification: '${raw}': ${err.message}`);
  }
  point.Mode = mode;
  return point;
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}
