// The config and manifest of an image made of a parent image plus one layer:
// what `docker commit` (a container's changes on its image) and `docker
// import` (one layer, no parent) produce.
import { invalidArgument } from '@ce/protocol';
import { MediaType } from '../oci/media-types.js';
import { parseReference } from '../reference/reference.js';
import type { Descriptor, OciContainerConfig, OciHistory, OciImageConfig, OciManifest } from '../oci/types.js';

/** The digest of an empty layer tar (1024 zero bytes): Docker records no layer for it. */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/**
 * The normalised name for a commit's or import's image. ce's image records are
 * keyed by name, so an image nothing names (Docker's dangling commit) is refused.
 */
export function newImageName(reference: string): string {
  if (!reference.trim()) throw invalidArgument('ce keeps no untagged images: give the new image a name (REPOSITORY[:TAG])');
  const ref = parseReference(reference);
  if (ref.digest) throw invalidArgument(`refusing to create an image with a digest reference: ${reference}`);
  return ref.toString();
}

export interface LayerImageInput {
  parent?: { config: OciImageConfig; manifest: OciManifest };
  /** The new layer, stored uncompressed: its descriptor's digest is its diff id. */
  layer: { digest: string; size: number };
  config: OciContainerConfig;
  history: Omit<OciHistory, 'created' | 'empty_layer'>;
  created: Date;
  architecture: string;
  os: string;
}

export function composeLayerImage(input: LayerImageInput): { config: OciImageConfig; manifest: OciManifest } {
  const parent = input.parent;
  const created = input.created.toISOString();
  const empty = input.layer.digest === EMPTY_LAYER_DIFF_ID && parent !== undefined;
  const dockerFamily = parent?.manifest.mediaType === MediaType.DockerManifest;
  const layerDesc: Descriptor = { mediaType: dockerFamily ? MediaType.DockerLayer : MediaType.OciLayer, digest: input.layer.digest, size: input.layer.size };
  const history: OciHistory = { created, ...stripEmpty(input.history), ...(empty ? { empty_layer: true } : {}) };
  const config: OciImageConfig = {
    ...(parent ? pickPlatform(parent.config) : {}),
    architecture: parent?.config.architecture ?? input.architecture,
    os: parent?.config.os ?? input.os,
    created,
    ...(input.history.author ? { author: input.history.author } : {}),
    // Docker's image inspect shows it as Comment (a field of Docker's image JSON, not OCI's).
    ...(input.history.comment ? { comment: input.history.comment } : {}),
    config: input.config,
    rootfs: { type: 'layers', diff_ids: [...(parent?.config.rootfs.diff_ids ?? []), ...(empty ? [] : [input.layer.digest])] },
    history: [...(parent?.config.history ?? []), history],
  };
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: dockerFamily ? MediaType.DockerManifest : MediaType.OciManifest,
    config: { mediaType: dockerFamily ? MediaType.DockerConfig : MediaType.OciConfig, digest: '', size: 0 },
    layers: [...(parent?.manifest.layers ?? []), ...(empty ? [] : [layerDesc])],
  };
  return { config, manifest };
}

function pickPlatform(c: OciImageConfig): Partial<OciImageConfig> {
  return { ...(c.variant ? { variant: c.variant } : {}), ...(c['os.version'] ? { 'os.version': c['os.version'] } : {}) };
}

function stripEmpty(h: LayerImageInput['history']): OciHistory {
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined && v !== '')) as OciHistory;
}
