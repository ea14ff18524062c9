// What an image's config says, kept by image id: an id is the digest of the
// image's config, so what it says never changes. ImageStatus and ListImages
// keep each image's User (the CRI Image's uid or username), CreateContainer
// the run config (Env, Entrypoint, Cmd, User, ...), and neither inspects the
// image again.

export interface ImageConfigs<T> {
  /** What `inspect` makes of the image's config, asked once per image id. */
  of(imageId: string): Promise<T>;
  /** Forgets the images that are gone (after a listing of them all). */
  keepOnly(imageIds: ReadonlySet<string>): void;
}

export function imageConfigs<T>(inspect: (imageId: string) => Promise<T>): ImageConfigs<T> {
  const configs = new Map<string, Promise<T>>();
  return {
    of(imageId) {
      let config = configs.get(imageId);
      if (!config) {
        const asked = inspect(imageId);
        configs.set(imageId, asked);
        // A failure (the image went meanwhile, ced restarting) is not kept.
        asked.catch(() => configs.get(imageId) === asked && configs.delete(imageId));
        config = asked;
      }
      return config;
    },
    keepOnly(imageIds) {
      for (const id of configs.keys()) if (!imageIds.has(id)) configs.delete(id);
    },
  };
}
