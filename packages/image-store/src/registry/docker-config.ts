// Docker's config.json credentials are @ce/protocol's (pure, shared with the CLI).
export { dockerConfigPath, readCredentials, saveCredentials, removeCredentials, authKey, DOCKER_HUB_AUTH_KEY } from '@ce/protocol/registry-auth';
