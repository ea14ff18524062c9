import { alreadyExists, socketListens } from '@ce/protocol';

/**
 * Refuses to take over a CRI socket another process serves: serving replaces
 * the socket file, which would cut a hosted CRI (or another ce-cri) off its
 * kubelet. A file no one listens on (left by a crash) is fine to replace.
 */
export async function refuseLiveSocket(path: string): Promise<void> {
  if (await socketListens(path)) {
    throw alreadyExists(`${path} is served by another process (ced serves the CRI there unless started with --cri-socket none; give ce-cri another --socket)`);
  }
}
