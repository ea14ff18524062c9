// The flags docker run and docker create share, and the create request they make.
import { logOptsToMap, unary } from '@ce/protocol';
import type { CreateContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from './connection.js';
import { CliExit, daemonErrorMessage, EXIT_ENGINE_ERROR, withPeriod } from './errors.js';
import { clampSeconds, parseIntFlag } from './int-flag.js';
import { collect, parseLabels } from './output.js';
import { attachConfig, type AttachStreams } from './attach-flag.js';
import { addHealthFlags, healthConfig, type HealthFlags } from './health-flags.js';
import { addNetworkFlags, networkRequest, type NetworkFlags, type NetworkRequest } from './network-flags.js';
import { addResourceFlags, resourceHostConfig, type ResourceFlags } from './resource-flags.js';
import { parseRestartFlag, restartConflictsWithRm, type RestartPolicyFlag } from './restart-flag.js';
import { addSecurityFlags, securityRequest, type SecurityFlags } from './security-flags.js';
import { userOptionProblem } from './user-option.js';
import { addMountFlags, mountRequest, type MountFlags } from './mount-flags.js';
import { PullError } from './commands/pull.js';
import { isNoSuchImage, parsePullPolicy, pullForCreate, unableToFind, type PullPolicy } from './pull-policy.js';

export interface CreateFlags extends SecurityFlags, ResourceFlags, HealthFlags, NetworkFlags, MountFlags {
  rm?: boolean;
  name?: string;
  env: string[];
  label: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  entrypoint?: string;
  interactive?: boolean;
  tty?: boolean;
  stopSignal?: string;
  stopTimeout?: string;
  logDriver?: string;
  logOpt: string[];
  restart?: string;
  init?: boolean;
  pull?: string;
  runtime?: string;
}

export function addCreateFlags(cmd: Command): Command {
  cmd
    .option('--rm', 'Automatically remove the container when it exits')
    .option('--name <name>', 'Assign a name to the container')
    .option('-e, --env <KEY=VALUE>', 'Set environment variables', collect, [])
    .option('-l, --label <key=value>', 'Set meta data on a container', collect, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <name|uid[:group|gid]>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('-h, --hostname <name>', 'Container host name')
    .option('--entrypoint <cmd>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('--stop-signal <signal>', 'Signal to stop a container (default SIGTERM)')
    .option('--stop-timeout <seconds>', 'Timeout (in seconds) to stop a container')
    .option('--log-driver <string>', 'Logging driver for the container: json-file, local or none')
    .option('--log-opt <list>', 'Log driver options (max-size, max-file, compress)', collect, [])
    .option('--restart <policy>', 'Restart policy to apply when a container exits (default "no")')
    .option('--init', 'Run an init inside the container that forwards signals and reaps processes')
    .option('--runtime <string>', 'Runtime to use for this container')
    .option('--pull <string>', 'Pull image before running ("always"|"missing"|"never")', 'missing');
  return addMountFlags(addNetworkFlags(addHealthFlags(addResourceFlags(addSecurityFlags(cmd)))));
}

/** Creates the container; failures end the command with Docker's wording and `See 'ce <command> --help'.` */
export async function createContainer(
  conn: Connection,
  command: 'run' | 'create',
  image: string,
  args: string[],
  opts: CreateFlags,
  attach: AttachStreams = { stdin: !!opts.interactive, stdout: true, stderr: true },
): Promise<CreateContainerResponse> {
  const fail = (message: string) => new CliExit(EXIT_ENGINE_ERROR, `${message}\nSee 'ce ${command} --help'.`);
  const userProblem = opts.user ? userOptionProblem(opts.user) : null;
  if (userProblem) throw fail(withPeriod(userProblem));
  const env = opts.env.map((e) => (e.includes('=') ? e : process.env[e] !== undefined ? `${e}=${process.env[e]}` : e));
  let security;
  let hostConfig: Record<string, unknown>;
  let config: Record<string, unknown> = {};
  let stopTimeout: number | undefined;
  let network: NetworkRequest;
  const logConfig = logConfigRequest(opts);
  if (typeof logConfig === 'string') throw fail(logConfig);
  let pull: PullPolicy;
  try {
    security = securityRequest(opts);
    network = networkRequest(opts);
    hostConfig = { ...resourceHostConfig(opts), ...network.hostConfig };
    const healthcheck = healthConfig(opts);
    config = { ...attachConfig(attach), ...network.config, ...(healthcheck ? { Healthcheck: healthcheck } : {}) };
    const mounts = mountRequest(opts);
    Object.assign(hostConfig, mounts.hostConfig);
    Object.assign(config, mounts.config);
    const restart = parseRestartFlagWithPeriod(opts.restart);
    if (restartConflictsWithRm(restart, !!opts.rm)) throw new Error('Conflicting options: --restart and --rm.');
    if (opts.restart !== undefined) hostConfig.RestartPolicy = { Name: restart.name, MaximumRetryCount: restart.maximumRetryCount };
    if (opts.init) hostConfig.Init = true;
    if (opts.runtime) hostConfig.Runtime = opts.runtime;
    if (opts.stopTimeout !== undefined) stopTimeout = clampSeconds(parseIntFlag(opts.stopTimeout, '--stop-timeout'));
    pull = parsePullPolicy(opts.pull);
  } catch (err) {
    throw fail((err as Error).message);
  }
  const pullNow = async () => {
    try {
      await pullForCreate(conn, image);
    } catch (err) {
      if (err instanceof PullError) throw fail(withPeriod(err.message));
      throw err;
    }
  };
  if (pull === 'always') await pullNow();
  const create = () =>
    unary<CreateContainerResponse>(
      (cb) =>
        conn.containers.create(
          {
            name: opts.name ?? '',
            image,
            cmd: args.length ? { values: args } : undefined,
            entrypoint: opts.entrypoint !== undefined ? { values: opts.entrypoint ? [opts.entrypoint] : [] } : undefined,
            env,
            workingDir: opts.workdir ?? '',
            user: opts.user ?? '',
            hostname: opts.hostname ?? '',
            autoRemove: !!opts.rm,
            tty: !!opts.tty,
            openStdin: !!opts.interactive,
            labels: parseLabels(opts.label),
            ...security,
            stopSignal: opts.stopSignal ?? '',
            stopTimeout,
            configJson: Object.keys(config).length ? JSON.stringify(config) : '',
            hostConfigJson: JSON.stringify(logConfig ? { ...hostConfig, LogConfig: logConfig } : hostConfig),
            networkingConfigJson: network.networkingConfig ? JSON.stringify(network.networkingConfig) : '',
          },
          cb,
        ),
      conn.target,
    );
  try {
    return await create();
  } catch (err) {
    if (!(pull === 'missing' && isNoSuchImage(err))) throw fail(withPeriod(daemonErrorMessage(err, conn.target)));
  }
  // As docker run: the image is not there, so pull it and create again.
  process.stderr.write(unableToFind(image));
  await pullNow();
  try {
    return await create();
  } catch (err) {
    throw fail(withPeriod(daemonErrorMessage(err, conn.target)));
  }
}

/** docker run/create end a flag error with a period. */
function parseRestartFlagWithPeriod(value: string | undefined): RestartPolicyFlag {
  try {
    return parseRestartFlag(value);
  } catch (err) {
    throw new Error(withPeriod((err as Error).message));
  }
}

/** --log-driver and --log-opt as the docker CLI sends them in HostConfig.LogConfig (no type: ced's), or the problem with them. */
function logConfigRequest(opts: CreateFlags): { Type: string; Config: Record<string, string> } | undefined | string {
  if (opts.logDriver === undefined && opts.logOpt.length === 0) return undefined;
  const driver = opts.logDriver ?? '';
  if (driver === 'none' && opts.logOpt.length) return 'invalid logging opts for driver none.';
  return { Type: driver, Config: logOptsToMap(opts.logOpt) };
}
