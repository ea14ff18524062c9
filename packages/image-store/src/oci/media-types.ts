// Media types of OCI image-spec v1.1 and Docker's image manifest v2 schema 2.
export const MediaType = {
  OciLayoutHeader: 'application/vnd.oci.layout.header.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OciLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  OciLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  OciEmptyJson: 'application/vnd.oci.empty.v1+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerManifestSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerLayerForeignGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export const INDEX_MEDIA_TYPES: readonly string[] = [MediaType.OciIndex, MediaType.DockerManifestList];
export const MANIFEST_MEDIA_TYPES: readonly string[] = [MediaType.OciManifest, MediaType.DockerManifest];
export const CONFIG_MEDIA_TYPES: readonly string[] = [MediaType.OciConfig, MediaType.DockerConfig];

export type Compression = 'none' | 'gzip' | 'zstd';

const LAYER_COMPRESSION: Record<string, Compression> = {
  [MediaType.OciLayer]: 'none',
  [MediaType.OciLayerGzip]: 'gzip',
  [MediaType.OciLayerZstd]: 'zstd',
  [MediaType.OciLayerNondistributable]: 'none',
  [MediaType.OciLayerNondistributableGzip]: 'gzip',
  [MediaType.OciLayerNondistributableZstd]: 'zstd',
  [MediaType.DockerLayer]: 'none',
  [MediaType.DockerLayerGzip]: 'gzip',
  [MediaType.DockerLayerForeignGzip]: 'gzip',
};

export const isIndexMediaType = (m: string): boolean => INDEX_MEDIA_TYPES.includes(m);
export const isManifestMediaType = (m: string): boolean => MANIFEST_MEDIA_TYPES.includes(m);
export const isConfigMediaType = (m: string): boolean => CONFIG_MEDIA_TYPES.includes(m);
export const isLayerMediaType = (m: string): boolean => m in LAYER_COMPRESSION;
export const isSchema1MediaType = (m: string): boolean =>
  m === MediaType.DockerManifestSchema1 || m === MediaType.DockerManifestSchema1Signed;

/** The compression a layer media type announces; undefined for a type that is not a layer. */
export const layerCompression = (m: string): Compression | undefined => LAYER_COMPRESSION[m];

// Annotations this package reads and writes.
export const Annotation = {
  /** OCI: the tag (or full reference) of an index entry in an image layout. */
  RefName: 'org.opencontainers.image.ref.name',
  /** containerd / Docker: the full image name of an index entry in an exported layout. */
  ContainerdImageName: 'io.containerd.image.name',
  Created: 'org.opencontainers.image.created',
} as const;
