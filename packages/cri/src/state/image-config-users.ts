// The User each image's config sets (the CRI Image's uid or username), kept by
// image id: an id is the digest of the image's config, so what it says never
// changes, and ImageStatus and ListImages need not inspect the image again.

export interface ImageConfigUsers {
  /** The config's User ('' for none), inspected once per image id. */
  of(imageId: string): Promise<string>;
  /** Forgets the images that are gone (after a listing of them all). */
  keepOnly(imageIds: ReadonlySet<string>): void;
}

export function imageConfigUsers(inspect: (imageId: string) => Promise<string>): ImageConfigUsers {
  const users = new Map<string, Promise<string>>();
  return {
    of(imageId) {
      let user = users.get(imageId);
      if (!user) {
        const asked = inspect(imageId);
        users.set(imageId, asked);
        // A failure (the image went meanwhile, ced restarting) is not kept.
        asked.catch(() => users.get(imageId) === asked && users.delete(imageId));
        user = asked;
      }
      return user;
    },
    keepOnly(imageIds) {
      for (const id of users.keys()) if (!imageIds.has(id)) users.delete(id);
    },
  };
}
