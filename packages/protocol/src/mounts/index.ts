// @ce/protocol/mounts: Docker's mount specs (-v, --mount, --tmpfs,
// --volumes-from) parsed and checked the same way by the CLI and by ced.
// Pure: no grpc-js, no native code.
export * from './types.js';
export { invalidSpec, invalidMode, invalidMountConfig, duplicateMountPoint } from './errors.js';
export { cleanPath, destinationProblem } from './paths.js';
export { parseMountSpec, validateMountConfig, DEFAULT_PROPAGATION, type ValidateOptions } from './mount-config.js';
export { parseVolumeSpec, isValidMountMode } from './volume-spec.js';
export { parseMountFlag } from './mount-flag.js';
export { tmpfsFlags, validateTmpfsDestination } from './tmpfs-flag.js';
export { tmpfsOptionsData, mergeTmpfsOptions, tmpfsMountOptions } from './tmpfs-options.js';
export { parseVolumesFrom, modeIsWritable } from './volumes-from.js';
export { validateVolumeName } from './volume-name.js';
export { ramInBytes } from './sizes.js';
