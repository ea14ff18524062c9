// A container's ContainerJSON straight from ced's Inspect RPC, for tests that
// check the model without going through `ce inspect`.
import { dialUnix, unary } from '@ce/protocol';
import { ContainersClient, type Container } from '@ce/protocol/gen/ce/api/v1/containers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function inspectContainer(socket: string, id: string): Promise<any> {
  const client = dialUnix(ContainersClient, socket);
  try {
    const c = await unary<Container>((cb) => client.inspect({ id }, cb));
    return JSON.parse(c.json);
  } finally {
    client.close();
  }
}
