// Docker's create body (Config, with HostConfig and NetworkingConfig inside
// it) as ce's CreateContainerRequest, which takes those objects as JSON.
import { invalidArgument } from '@ce/protocol';
import { CreateContainerRequest } from '@ce/protocol/gen/ce/api/v1/containers';

export function createContainerRequest(name: string, body: unknown): CreateContainerRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length === 0) {
    throw invalidArgument('Config cannot be empty in order to create a container');
  }
  const { HostConfig: hostConfig, NetworkingConfig: networkingConfig, ...config } = body as Record<string, unknown>;
  return CreateContainerRequest.fromPartial({
    name,
    configJson: JSON.stringify(config),
    hostConfigJson: objectJson(hostConfig),
    networkingConfigJson: objectJson(networkingConfig),
  });
}

/** An object as JSON; absent or null is none. */
function objectJson(value: unknown): string {
  return value === undefined || value === null ? '' : JSON.stringify(value);
}
