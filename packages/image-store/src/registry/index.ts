export * from './types.js';
export { parseChallenges, type Challenge } from './auth.js';
export { resolveEndpoints, isInsecureRegistry, isLoopbackHost, DEFAULT_CERTS_DIR, type Endpoint } from './endpoints.js';
export { fetchImage, MANIFEST_ACCEPT, DEFAULT_MAX_MANIFEST_BYTES, type FetchedImage } from './pull.js';
export { pushImage } from './push.js';
export { dockerConfigPath, readCredentials, saveCredentials, removeCredentials, authKey, DOCKER_HUB_AUTH_KEY } from './docker-config.js';
export { checkLogin } from './login.js';
export { searchRegistry, splitSearchTerm, type SearchResult } from './search.js';
