import type { Writable } from 'node:stream';
import { familiarReference, type ImageRecord, type ImageStore } from '@ce/image-store';
import type { EventPublisher } from './event-publisher.js';

type Labels = Record<string, string>;
const labelsOf = (image: { config?: { config?: { Labels?: Labels | null } } } | undefined): Labels => image?.config?.config?.Labels ?? {};

/**
 * The image store as ced serves it, publishing Docker's image events (pull,
 * tag, untag, delete, load, save, import; commit's tag) after each call succeeds. Everything else
 * is the store's own.
 */
export function withImageEvents(store: ImageStore, events: EventPublisher): ImageStore {
  const overrides: Partial<ImageStore> = {
    async pull(reference, options) {
      const result = await store.pull(reference, options);
      const name = familiarReference(result.name);
      events.image(name, name, 'pull', labelsOf(result.image));
      return result;
    },
    async tag(source, target) {
      const image = await store.tag(source, target);
      events.image(image.id, familiarReference(target), 'tag', labelsOf(image));
      return image;
    },
    async remove(reference, options) {
      const image: ImageRecord | undefined = await store.get(reference).catch(() => undefined);
      const result = await store.remove(reference, options);
      const labels = labelsOf(image);
      if (image) for (const _ of result.untagged) events.image(image.id, image.id, 'untag', labels);
      for (const id of result.deleted) events.image(id, id, 'delete', id === image?.id ? labels : {});
      return result;
    },
    async importImage(source, options) {
      const image = await store.importImage(source, options);
      // Docker: the name first, then the import (named by the id).
      events.image(image.id, familiarReference(image.name), 'tag', labelsOf(image));
      events.image(image.id, image.id, 'import', labelsOf(image));
      return image;
    },
    async createLayerImage(options) {
      const image = await store.createLayerImage(options);
      events.image(image.id, familiarReference(image.name), 'tag', labelsOf(image)); // a commit names its image
      return image;
    },
    async load(source, options) {
      const images = await store.load(source, options);
      for (const id of new Set(images.map((i) => i.id))) events.image(id, id, 'load', labelsOf(images.find((i) => i.id === id)));
      return images;
    },
    async save(references: string[], out: Writable) {
      await store.save(references, out);
      const images = await Promise.all(references.map((r) => store.get(r).catch(() => undefined)));
      const seen = new Set<string>();
      for (const image of images) {
        if (!image || seen.has(image.id)) continue;
        seen.add(image.id);
        events.image(image.id, image.id, 'save', labelsOf(image));
      }
    },
  };
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof ImageStore];
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
