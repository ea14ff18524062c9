// Docker's volume model (Engine API 1.41 types.Volume, "VolumeJSON").

/** What `docker volume inspect` prints for one volume. */
export interface VolumeJSON {
  CreatedAt: string;
  Driver: string;
  /** null for a volume a container created, {} for one `volume create` made without labels (as Docker). */
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
}

/** What the local driver keeps of a volume in <root>/volumes/<name>/volume.json. */
export interface VolumeMeta {
  Name: string;
  CreatedAt: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  /** Made for one container (an image VOLUME, `-v /path`): `rm -v` removes it. */
  Anonymous?: boolean;
}

export const LOCAL_DRIVER = 'local';
