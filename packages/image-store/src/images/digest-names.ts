// Docker's digest references ("repo@sha256:…", RepoDigests): a pull by tag or
// a push also names the image by the manifest digest the registry holds, as
// dockerd's addDigestReference does; they are records like tags.
import type { Descriptor } from '../oci/types.js';
import { parseReference } from '../reference/reference.js';
import type { ImageMetadataStore } from './image-metadata-store.js';

/** Whether a recorded name is by digest rather than by tag. */
export function isDigestName(name: string): boolean {
  return parseReference(name).digest !== undefined;
}

/** The repository of a recorded name: "docker.io/library/busybox". */
export const repositoryOf = (name: string): string => parseReference(name).name;

/**
 * Names `target` also `repository@digest`. An existing record of that name
 * is kept: a digest names one content for good (dockerd does not update it
 * either). The caller holds the image lock.
 */
export async function addDigestName(metadata: ImageMetadataStore, repository: string, digest: string, target: Descriptor): Promise<void> {
  const name = `${repository}@${digest}`;
  if (await metadata.get(name)) return;
  await metadata.put({ name, target, labels: {} });
}

/**
 * dockerd's isSingleReference: every name is of one repository and at most
 * one is a tag. Removing such an image by id needs no force.
 */
export function isSingleReference(names: readonly string[]): boolean {
  if (names.length <= 1) return names.length === 1;
  if (names.filter((n) => !isDigestName(n)).length > 1) return false;
  return new Set(names.map(repositoryOf)).size === 1;
}
