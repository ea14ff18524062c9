import { writeFileAtomic as writeAtomic } from '@ce/protocol/atomic-file';

/** Writes a file so that a crash leaves either the old or the new content (temp file, fsync, rename, fsync dir); ced's files are private (0600). */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): Promise<void> {
  return writeAtomic(path, data, mode);
}
