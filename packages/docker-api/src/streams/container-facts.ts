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

/**
 * The container's facts from ced's inspect, without its ContainerJSON (ced neither makes nor sends it); an
 * unknown container is ced's NotFound (404 "No such container: x").
 */
export async function containerFacts(engine: Engine, ref: string): Promise<ContainerFacts> {
  const container = await unary<Container>((cb) => engine.containers.inspect({ id: ref, omitJson: true }, cb));
  return { id: container.id, tty: container.tty, ...stdinSettings(container) };
}

/** The stdin settings a ced that knows omit_json sends as fields; an older one sends the JSON only. */
function stdinSettings(container: Container): Pick<ContainerFacts, 'openStdin' | 'stdinOnce'> {
  if (!container.json) return { openStdin: container.openStdin === true, stdinOnce: container.stdinOnce === true };
  let config: { OpenStdin?: boolean; StdinOnce?: boolean } = {};
  try {
    config = (JSON.parse(container.json) as { Config?: typeof config }).Config ?? {};
  } catch {
    // A record without Docker's JSON has neither setting.
  }
  return { openStdin: config.OpenStdin === true, stdinOnce: config.StdinOnce === true };
}
