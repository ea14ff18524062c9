// The daemon's reading of one HostConfig.Mounts entry (moby's
// linuxParser.validateMountConfigImpl and parseMountSpec).
import { bindSourceMissing, extraField, invalidMountConfig, missingField } from './errors.js';
import { cleanPath, destinationProblem, isAbsolute } from './paths.js';
import { tmpfsOptionsData } from './tmpfs-options.js';
import { PROPAGATION_MODES, type MountSpec, type ParsedMountPoint } from './types.js';

/** A bind's propagation when none is asked for. */
export const DEFAULT_PROPAGATION = 'rprivate';

export interface ValidateOptions {
  /** --mount binds must exist (checked); -v binds are created when missing (not checked). */
  bindSourceExists?: (path: string) => boolean;
}

/** Throws Docker's `invalid mount config for type "<type>": <why>` for a mount that cannot be. */
export function validateMountConfig(m: MountSpec, options: ValidateOptions = {}): void {
  const fail = (why: string) => invalidMountConfig(m.Type, why);
  if (!m.Target) throw fail(missingField('Target'));
  const destination = destinationProblem(m.Target);
  if (destination) throw fail(destination);
  switch (m.Type) {
    case 'bind': {
      if (!m.Source) throw fail(missingField('Source'));
      const propagation = m.BindOptions?.Propagation;
      if (propagation && !(PROPAGATION_MODES as readonly string[]).includes(propagation)) throw fail(`invalid propagation mode: ${propagation}`);
      if (m.VolumeOptions) throw fail(extraField('VolumeOptions'));
      if (!isAbsolute(m.Source)) throw fail(`invalid mount path: '${m.Source}' mount path must be absolute`);
      if (options.bindSourceExists && !options.bindSourceExists(m.Source)) throw fail(bindSourceMissing(m.Source));
      return;
    }
    case 'volume':
      if (m.BindOptions) throw fail(extraField('BindOptions'));
      if (!m.Source && m.ReadOnly) throw fail('must not set ReadOnly mode when using anonymous volumes');
      return;
    case 'tmpfs':
      if (m.BindOptions) throw fail(extraField('BindOptions'));
      if (m.Source) throw fail(extraField('Source'));
      tmpfsOptionsData(m.TmpfsOptions, m.ReadOnly ?? false);
      return;
    default:
      throw fail('mount type unknown');
  }
}

/**
 * A HostConfig.Mounts entry as a mount point (validated first). A volume
 * without a source is anonymous: its Name is '' until the daemon names it.
 */
export function parseMountSpec(m: MountSpec, options: ValidateOptions = {}): ParsedMountPoint {
  validateMountConfig(m, options);
  const point: ParsedMountPoint = {
    Type: m.Type as ParsedMountPoint['Type'],
    Source: '',
    Destination: cleanPath(m.Target),
    Mode: '',
    RW: !m.ReadOnly,
    Propagation: '',
    CopyData: false,
    Spec: m,
  };
  if (m.Type === 'volume') {
    point.Name = m.Source ?? '';
    point.Driver = m.VolumeOptions?.DriverConfig?.Name ?? '';
    point.CopyData = !m.VolumeOptions?.NoCopy;
  } else if (m.Type === 'bind') {
    point.Source = cleanPath(m.Source!);
    point.Propagation = m.BindOptions?.Propagation || DEFAULT_PROPAGATION;
  }
  return point;
}
