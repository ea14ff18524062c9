import { dockerConfigPath, parseReference, readCredentials, type RegistryCredentials } from '@ce/protocol/registry-auth';

/** The registry host a reference names ("busybox" → docker.io). */
export function registryOf(reference: string): string {
  return parseReference(reference).domain;
}

/**
 * The saved credentials for the registry of `reference`, read from the
 * docker-format config.json ($DOCKER_CONFIG or ~/.docker), to be sent with
 * the request: ced itself reads no user's files.
 */
export async function credentialsFor(reference: string): Promise<RegistryCredentials | undefined> {
  return readCredentials(registryOf(reference), dockerConfigPath());
}
