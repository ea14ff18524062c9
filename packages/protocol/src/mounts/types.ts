// Docker's mount types (Engine API 1.41 mount.Mount, HostConfig.Mounts), as
// the CLI sends them and ced keeps them. Pure: no grpc-js, no native code.

export type MountType = 'bind' | 'volume' | 'tmpfs';

export const PROPAGATION_MODES = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared'] as const;
export type Propagation = (typeof PROPAGATION_MODES)[number];

export interface BindOptions {
  Propagation?: string;
  NonRecursive?: boolean;
}

export interface VolumeOptions {
  NoCopy?: boolean;
  Labels?: Record<string, string>;
  DriverConfig?: { Name?: string; Options?: Record<string, string> };
}

export interface TmpfsOptions {
  /** Bytes; 0 or absent: the kernel's default (half the memory). */
  SizeBytes?: number;
  /** The permission bits of the tmpfs's root, as a number (0o1770). */
  Mode?: number;
}

/** One entry of HostConfig.Mounts (docker run --mount). */
export interface MountSpec {
  /** Docker accepts any string here and refuses unknown types when it validates. */
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: BindOptions;
  VolumeOptions?: VolumeOptions;
  TmpfsOptions?: TmpfsOptions;
}

/**
 * A mount point as the daemon parsed it (moby's volume/mounts.MountPoint):
 * what `docker inspect` shows of it, plus what the daemon needs to set it up.
 */
export interface ParsedMountPoint {
  Type: MountType;
  /** The volume's name (generated for an anonymous one); absent for bind and tmpfs. */
  Name?: string;
  /** The host path of a bind (cleaned); a volume's is its mount point, filled in by the daemon. */
  Source: string;
  /** Cleaned absolute path in the container. */
  Destination: string;
  /** The volume driver asked for ('' for the daemon's default). */
  Driver?: string;
  /** The -v mode string as given ("ro,z", "nocopy"); '' for --mount. */
  Mode: string;
  RW: boolean;
  /** A bind's propagation (rprivate unless asked); '' for volumes and tmpfs. */
  Propagation: string;
  /** Whether an empty volume is filled from the image's content at Destination. */
  CopyData: boolean;
  /** The mount as asked for (Docker's MountPoint.Spec): Source is empty for an anonymous volume. */
  Spec: MountSpec;
}
