// The pure entry point `@ce/protocol/registry-auth`: what a client (the ce
// CLI) needs to find and save registry credentials and to name images, as
// the docker CLI sends them with a pull or push (X-Registry-Auth): no
// grpc-js, no store, no native addon.
export { dockerConfigPath, readCredentials, saveCredentials, removeCredentials, authKey, DOCKER_HUB_AUTH_KEY } from './docker-config.js';
export { parseReference, familiarReference, DEFAULT_DOMAIN } from '../reference/reference.js';
export type { RegistryCredentials } from './credentials.js';
