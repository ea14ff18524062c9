// The local driver's rule for volume names (moby volume/local.validateName).
import { invalidArgument } from '../errors/index.js';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Throws Docker's error for a name the local driver cannot hold (a name with a slash was meant to be a host path). */
export function validateVolumeName(name: string): void {
  if (!VOLUME_NAME.test(name)) {
    throw invalidArgument(
      `${JSON.stringify(name)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}
