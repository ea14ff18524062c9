// The images store's face (containerd's images.Store): name → target
// descriptor, with labels and creation/update times. FileImageMetadataStore
// implements it with one file per name. It knows nothing of manifests or
// blobs; resolving a target into a runnable image is the ImageStore's job.
import type { Descriptor } from '../oci/types.js';

/** What the store records per image name (containerd's images.Image). */
export interface ImageMeta {
  /** Normalised reference: "docker.io/library/hello-world:latest". */
  name: string;
  /** The manifest or index the name points at. */
  target: Descriptor;
  labels: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** A record to write; createdAt is kept from the record it replaces unless given. */
export type NewImageMeta = Omit<ImageMeta, 'createdAt' | 'updatedAt'> & Partial<Pick<ImageMeta, 'createdAt'>>;

/** Which records list() returns; every given field must match. */
export interface ImageFilter {
  /** The exact normalised name. */
  name?: string;
  /** The target's digest. */
  target?: string;
  /** Docker's label filter terms: "key" or "key=value". */
  labels?: string[];
}

export interface ImageMetadataStore {
  /** The record of `name`, or undefined. */
  get(name: string): Promise<ImageMeta | undefined>;
  list(filter?: ImageFilter): Promise<ImageMeta[]>;
  /** Creates or replaces the record for `meta.name`; keeps createdAt when replacing. */
  put(meta: NewImageMeta): Promise<ImageMeta>;
  /** Removes the record; false when there was none. */
  delete(name: string): Promise<boolean>;
}
