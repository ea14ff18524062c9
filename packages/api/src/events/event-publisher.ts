import type { ContainerAction, EngineEvent, ImageAction, NetworkAction, VolumeAction } from './engine-event.js';

/** What a container event needs of its container (a ContainerJSON): Docker takes the labels, the image as given, and the name. */
export interface EventContainer {
  Id: string;
  Name: string;
  Config: { Image: string; Labels?: Record<string, string> | null };
}

/** exec_create, exec_start and health_status carry what they are about after a colon, as Docker's do. */
export type ContainerEventAction = ContainerAction | `${'exec_create' | 'exec_start' | 'health_status'}: ${string}`;

/**
 * The one way subsystems publish events (docs/architecture.md, "Events").
 * Container attributes are the container's labels, then `image` and `name`,
 * then `extra` (exitCode, signal, execID, oldName, ...): Docker's order, so a
 * label cannot hide the name.
 */
export interface EventPublisher {
  container(container: EventContainer, action: ContainerEventAction, extra?: Record<string, string>): void;
  /** Docker's LogImageEvent: `id` is the image id (a pull's is the reference pulled), `name` the reference concerned. */
  image(id: string, name: string, action: ImageAction, labels?: Record<string, string>): void;
  /** Docker's LogNetworkEvent: the network's id, with its name and driver (`type`), and the container for connect/disconnect. */
  network(network: { Id: string; Name: string; Driver: string }, action: NetworkAction, container?: string): void;
  /** Docker's LogVolumeEvent: the volume's name, with its driver, and for mount/unmount the container (and destination, read/write, propagation). */
  volume(name: string, action: VolumeAction, attributes: Record<string, string>): void;
}

/** For services run without an event log (unit tests of other subsystems). */
export const noEvents: EventPublisher = {
  container() {},
  image() {},
  network() {},
  volume() {},
};

/** Publishes into anything that takes a complete event without its time (EventLog). */
export function eventPublisher(sink: { publish(event: Omit<EngineEvent, 'timeNano' | 'scope'>): unknown }): EventPublisher {
  return {
    container(container, action, extra = {}) {
      const attributes: Record<string, string> = { ...(container.Config.Labels ?? {}) };
      if (container.Config.Image) attributes.image = container.Config.Image;
      attributes.name = container.Name.replace(/^\//, '');
      sink.publish({ type: 'container', action, actor: { id: container.Id, attributes: { ...attributes, ...extra } } });
    },
    image(id, name, action, labels = {}) {
      sink.publish({ type: 'image', action, actor: { id, attributes: { ...labels, name } } });
    },
    network(network, action, container) {
      const attributes: Record<string, string> = container ? { container } : {};
      sink.publish({ type: 'network', action, actor: { id: network.Id, attributes: { ...attributes, name: network.Name, type: network.Driver } } });
    },
    volume(name, action, attributes) {
      sink.publish({ type: 'volume', action, actor: { id: name, attributes: { ...attributes } } });
    },
  };
}
