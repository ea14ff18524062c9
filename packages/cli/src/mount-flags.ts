// docker run/create's -v, --mount, --tmpfs, --volumes-from and --volume-driver,
// turned into HostConfig (Binds, Mounts, Tmpfs, VolumesFrom, VolumeDriver) and
// Config.Volumes as the docker CLI sends them; the daemon checks the rest.
import { parseMountFlag, tmpfsFlags, type MountSpec } from '@ce/protocol/mounts';
import type { Command } from 'commander';
import { collect } from './output.js';

export interface MountFlags {
  volume: string[];
  mount: string[];
  tmpfs: string[];
  volumesFrom: string[];
  volumeDriver?: string;
}

export function addMountFlags(cmd: Command): Command {
  return cmd
    .option('-v, --volume <list>', 'Bind mount a volume', collect, [])
    .option('--mount <mount>', 'Attach a filesystem mount to the container', collect, [])
    .option('--tmpfs <list>', 'Mount a tmpfs directory', collect, [])
    .option('--volumes-from <list>', 'Mount volumes from the specified container(s)', collect, [])
    .option('--volume-driver <string>', 'Optional volume driver for the container');
}

/**
 * The create request's parts for these flags. As the docker CLI does, a -v
 * with a source is a bind (Binds, each spec once), one without is an
 * anonymous volume (Config.Volumes). A bad --mount throws the CLI's message.
 */
export function mountRequest(flags: MountFlags): { hostConfig: Record<string, unknown>; config: Record<string, unknown> } {
  const hostConfig: Record<string, unknown> = {};
  const config: Record<string, unknown> = {};
  const specs = [...new Set(flags.volume)];
  const binds = specs.filter((s) => s.includes(':'));
  const anonymous = specs.filter((s) => !s.includes(':'));
  if (binds.length) hostConfig.Binds = binds;
  if (anonymous.length) config.Volumes = Object.fromEntries(anonymous.map((s) => [s, {}]));
  const mounts: MountSpec[] = flags.mount.map((value) => {
    try {
      return parseMountFlag(value);
    } catch (err) {
      throw new Error(`invalid argument "${value}" for "--mount" flag: ${(err as Error).message}`);
    }
  });
  if (mounts.length) hostConfig.Mounts = mounts;
  if (flags.tmpfs.length) hostConfig.Tmpfs = tmpfsFlags(flags.tmpfs);
  if (flags.volumesFrom.length) hostConfig.VolumesFrom = flags.volumesFrom;
  if (flags.volumeDriver) hostConfig.VolumeDriver = flags.volumeDriver;
  return { hostConfig, config };
}
