// @ce/runtime/spec: building OCI runtime configs. Pure functions and data,
// composable spec options among them; its imports never reach @ce/native.
export { defaultSpec, DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, DEFAULT_PATH } from './default-spec.js';
export { ALL_CAPABILITIES, capabilitiesFromMask, normalizeCapability, tweakCapabilities, type CapabilityChanges } from './capabilities.js';
export {
  dockerSeccompProblems,
  parseDockerSeccompProfile,
  type DockerSeccompProfile,
  type DockerSeccompSyscall,
  type DockerSeccompFilter,
  type DockerSeccompArchMap,
} from './docker-seccomp-profile.js';
export { defaultSeccompProfile, CLONE_NAMESPACE_FLAGS, ALLOWED_PERSONALITIES } from './default-seccomp-profile.js';
export { seccompForContainer, defaultContainerSeccomp, profileArch, type SeccompTarget } from './seccomp-for-container.js';
export type * from './types.js';
export * from './opts/index.js';
export { DOCKER_ULIMITS } from './linux-constants.js';
export { parseUlimit } from './ulimit.js';
