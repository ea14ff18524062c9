// Docker 20.10 beside ce for parity tests: a private dockerd (its own folders,
// a bridge of its own, no iptables; tools/lib/private-dockerd.mjs) and a test ced, both
// holding the same busybox image, which Docker loads from ce's own archive.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBusyboxImage } from './busybox-image.js';
import { ce } from './ce.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { mountsUnder, processesMentioning } from './leaks.js';
import { repoRoot } from './paths.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PrivateDockerd {
  /** The docker client binary, its `-H` arguments and environment, for spawning it yourself. */
  client: string;
  host: string[];
  env: NodeJS.ProcessEnv;
  docker(args: string[], o?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  stop(): Promise<void>;
}

interface PrivateDockerdLib {
  which(name: string): string | null;
  startPrivateDockerd(o: { dir: string; runtimes?: Record<string, string> }): Promise<PrivateDockerd>;
}

const lib = (await import(join(repoRoot, 'tools/lib/private-dockerd.mjs'))) as PrivateDockerdLib;

/** Why a parity test cannot run here, or undefined when it can. */
export const dockerPeerMissing: string | undefined =
  process.getuid?.() !== 0 ? 'needs root' : lib.which('dockerd') === null ? 'needs dockerd (Debian docker.io)' : undefined;

export interface DockerPeer {
  readonly work: string;
  readonly dockerd: PrivateDockerd;
  readonly daemon: TestDaemon;
  /**
   * Removes what the test left in dockerd (returning those container ids), stops
   * both engines and removes the work folder, after checking nothing under it is
   * still mounted or used by a process.
   */
  dispose(): Promise<string[]>;
}

/** Starts both engines with `image` in each; `runtimes` are extra dockerd runtimes (name → binary). */
export async function startDockerPeer(name: string, image: string, runtimes?: Record<string, string>): Promise<DockerPeer> {
  const work = await mkdtemp(join(tmpdir(), `ce-e2e-${name}-`));
  const [dockerd, daemon] = await Promise.allSettled([lib.startPrivateDockerd({ dir: join(work, 'dockerd'), runtimes }), startTestDaemon()]);
  const peer: DockerPeer = {
    work,
    dockerd: dockerd.status === 'fulfilled' ? dockerd.value : (undefined as unknown as PrivateDockerd),
    daemon: daemon.status === 'fulfilled' ? daemon.value : (undefined as unknown as TestDaemon),
    async dispose() {
      await peer.daemon?.dispose();
      let left: string[] = [];
      if (peer.dockerd) {
        left = (await peer.dockerd.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
        if (left.length) await peer.dockerd.docker(['rm', '-f', ...left]);
        await peer.dockerd.stop();
      }
      const mounts = mountsUnder(work);
      const processes = processesMentioning(work);
      if (mounts.length || processes.length) throw new Error(`left under ${work}: mounts ${mounts.join(', ')}; processes ${processes.join(', ')}`);
      await rm(work, { recursive: true, force: true });
      return left;
    },
  };
  try {
    if (dockerd.status === 'rejected') throw dockerd.reason;
    if (daemon.status === 'rejected') throw daemon.reason;
    await importBusyboxImage(peer.daemon.socket, image);
    const archive = join(work, 'image.tar');
    const saved = await ce(['save', '-o', archive, image], { socket: peer.daemon.socket });
    if (saved.code !== 0) throw new Error(`ce save failed: ${saved.stderr}`);
    const loaded = await peer.dockerd.docker(['load', '-i', archive]);
    if (loaded.code !== 0) throw new Error(`docker load failed: ${loaded.stderr}`);
    return peer;
  } catch (err) {
    await peer.dispose().catch(() => undefined);
    throw err;
  }
}
