import { unary } from '@ce/protocol';
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Engine } from '../engine.js';

/** What the streaming endpoints need to know of a container before they answer. */
export interface ContainerFacts {
  id: string;
  tty: boolean;
  /** Config.OpenStdin: whether anyone may attach its stdin. */
  openStdin: boolean;
  /** Config.StdinOnce: the first attached client's half-close closes its stdin. */
  stdinOnce: boolean;
}

/** The container's facts from ced's inspect; an unknown container is ced's NotFound (404 "No such container: x"). */
export async function containerFacts(engine: Engine, ref: string): Promise<ContainerFacts> {
  const container = await unary<Container>((cb) => engine.containers.inspect({ id: ref }, cb));
  let config: { OpenStdin?: boolean; StdinOnce?: boolean } = {};
  try {
    config = (JSON.parse(container.json) as { Config?: typeof config }).Config ?? {};
  } catch {
    // A record without Docker's JSON has neither setting.
  }
  return { id: container.id, tty: container.tty, openStdin: config.OpenStdin === true, stdinOnce: config.StdinOnce === true };
}
