import { unary } from '@ce/protocol';
import type { InfoResponse } from '@ce/protocol/gen/ce/api/v1/system';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { CLIENT_VERSION } from '../version.js';

/** docker info's memory size: binary units, four significant digits ("3.841GiB"). */
export function binarySize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/** "name=seccomp,profile=default" → [" seccomp", "  Profile: default"], as docker info prints it. */
export function securityOptionLines(options: readonly string[]): string[] {
  const lines: string[] = [];
  for (const opt of options) {
    const fields = Object.fromEntries(opt.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    lines.push(`  ${fields.name ?? opt}`);
    for (const [k, v] of Object.entries(fields)) if (k !== 'name') lines.push(`   ${k[0]!.toUpperCase()}${k.slice(1)}: ${v}`);
  }
  return lines;
}

/** docker info's layout (Docker 20.10), with what ce has: no swarm, no containerd or runc of its own, no engine labels. */
export function formatInfo(i: InfoResponse): string {
  const list = (title: string, items: readonly string[]) => (items.length ? [` ${title}:`, ...items.map((x) => `  ${x}`)] : []);
  return [
    'Client:',
    ` Version:    ${CLIENT_VERSION}`,
    '',
    'Server:',
    ` Containers: ${i.containers}`,
    `  Running: ${i.containersRunning}`,
    `  Paused: ${i.containersPaused}`,
    `  Stopped: ${i.containersStopped}`,
    ` Images: ${i.images}`,
    ` Server Version: ${i.serverVersion}`,
    ` Storage Driver: ${i.storageDriver}`,
    ...(i.backingFilesystem ? [`  Backing Filesystem: ${i.backingFilesystem}`] : []),
    ` Logging Driver: ${i.loggingDriver}`,
    ` Cgroup Driver: ${i.cgroupDriver}`,
    ` Cgroup Version: ${i.cgroupVersion}`,
    ' Plugins:',
    '  Volume: local',
    `  Network: ${i.networkPlugins.join(' ')}`,
    `  Log: ${i.logPlugins.join(' ')}`,
    ...(i.runtimes.length ? [` Runtimes: ${i.runtimes.join(' ')}`] : []),
    ` Default Runtime: ${i.defaultRuntime}`,
    ...(i.initBinary ? [` Init Binary: ${i.initBinary}`] : []),
    ' Security Options:',
    ...securityOptionLines(i.securityOptions),
    ` Kernel Version: ${i.kernelVersion}`,
    ` Operating System: ${i.operatingSystem}`,
    ` OSType: ${i.osType}`,
    ` Architecture: ${i.architecture}`,
    ` CPUs: ${i.ncpu}`,
    ` Total Memory: ${binarySize(i.memTotal)}`,
    ` Name: ${i.name}`,
    ` ID: ${i.id}`,
    ` Ce Root Dir: ${i.storageRoot}`,
    ` Debug Mode: ${i.debug}`,
    ' Registry: https://index.docker.io/v1/',
    ...list('Insecure Registries', i.insecureRegistries),
    ...list('Registry Mirrors', i.registryMirrors),
    ` Live Restore Enabled: ${i.liveRestore}`,
    '',
    '',
  ].join('\n');
}

export function registerInfo(program: Command, connect: () => Connection): void {
  program
    .command('info')
    .description('Display system-wide information')
    .helpOption('--help', 'Print usage')
    .action(async () => {
      const conn = connect();
      let info: InfoResponse;
      try {
        info = await unary<InfoResponse>((cb) => conn.system.info({}, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(formatInfo(info));
    });
}
