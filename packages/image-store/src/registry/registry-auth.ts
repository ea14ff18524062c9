// The light entry point `@ce/image-store/registry-auth`: what a client (the
// ce CLI) needs to find and save registry credentials, without the store,
// the unpacker or the native addon.
export { dockerConfigPath, readCredentials, saveCredentials, removeCredentials, authKey, DOCKER_HUB_AUTH_KEY } from './docker-config.js';
export { parseReference, familiarReference, DEFAULT_DOMAIN } from '../reference/reference.js';
export type { RegistryCredentials } from './types.js';
