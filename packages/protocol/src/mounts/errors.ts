// Docker's wording for bad mount specs (moby volume/mounts/errors.go).
import { invalidArgument, type CeError } from '../errors/index.js';

export function invalidSpec(spec: string): CeError {
  return invalidArgument(`invalid volume specification: '${spec}'`);
}

export function invalidMode(mode: string): CeError {
  return invalidArgument(`invalid mode: ${mode}`);
}

/** `invalid mount config for type "bind": <why>`. */
export function invalidMountConfig(type: string, why: string): CeError {
  return invalidArgument(`invalid mount config for type ${JSON.stringify(type)}: ${why}`);
}

export const missingField = (name: string) => `field ${name} must not be empty`;
export const extraField = (name: string) => `field ${name} must not be specified`;
export const bindSourceMissing = (path: string) => `bind source path does not exist: ${path}`;

export function duplicateMountPoint(destination: string): CeError {
  return invalidArgument(`Duplicate mount point: ${destination}`);
}
