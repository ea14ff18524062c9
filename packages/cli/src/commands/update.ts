import { unary } from '@ce/protocol';
import type { RestartPolicy, UpdateContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Resources } from '@ce/protocol/gen/ce/types/v1/resources';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage, EXIT_ENGINE_ERROR } from '../errors.js';
import { parseIntFlag } from '../int-flag.js';
import { parseRestartFlag } from '../restart-flag.js';
import { parseNanoCpus, parseRamSize, parseSwapSize } from '../units.js';

interface UpdateOptions {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  restart?: string;
}

/** The flags given as the API's Resources and NanoCPUs; a bad value throws Docker's flag error. */
export function updateRequest(opts: UpdateOptions): { resources: Resources; nanoCpus: number; given: number; restartPolicy?: RestartPolicy } {
  const resources: Resources = {};
  let given = 0;
  const parse = <T>(value: string | undefined, flag: string, fn: (v: string) => T, set: (v: T) => void) => {
    if (value === undefined) return;
    given++;
    try {
      set(fn(value));
    } catch (err) {
      throw new Error(`invalid argument "${value}" for "${flag}" flag: ${(err as Error).message}`);
    }
  };
  const int = (flag: string) => (v: string) => {
    try {
      return parseIntFlag(v, flag);
    } catch (err) {
      // parseIntFlag words the whole flag error; keep only its reason
      throw new Error((err as Error).message.replace(/^invalid argument "[^"]*" for "[^"]*" flag: /, ''));
    }
  };
  let nanoCpus = 0;
  parse(opts.memory, '-m, --memory', parseRamSize, (v) => (resources.memory = v));
  parse(opts.memorySwap, '--memory-swap', parseSwapSize, (v) => (resources.memorySwap = v));
  parse(opts.memoryReservation, '--memory-reservation', parseRamSize, (v) => (resources.memoryReservation = v));
  parse(opts.cpus, '--cpus', parseNanoCpus, (v) => (nanoCpus = v));
  parse(opts.cpuShares, '-c, --cpu-shares', int('-c, --cpu-shares'), (v) => (resources.cpuShares = v));
  parse(opts.cpuPeriod, '--cpu-period', int('--cpu-period'), (v) => (resources.cpuPeriod = v));
  parse(opts.cpuQuota, '--cpu-quota', int('--cpu-quota'), (v) => (resources.cpuQuota = v));
  parse(opts.cpusetCpus, '--cpuset-cpus', (v) => v, (v) => (resources.cpusetCpus = v));
  parse(opts.cpusetMems, '--cpuset-mems', (v) => v, (v) => (resources.cpusetMems = v));
  parse(opts.pidsLimit, '--pids-limit', int('--pids-limit'), (v) => (resources.pidsLimit = v));
  let restartPolicy: RestartPolicy | undefined;
  parse(opts.restart, '--restart', parseRestartFlag, (v) => (restartPolicy = { name: v.name, maximumRetryCount: v.maximumRetryCount }));
  return { resources, nanoCpus, given, ...(restartPolicy ? { restartPolicy } : {}) };
}

export function registerUpdate(program: Command, connect: () => Connection): void {
  program
    .command('update')
    .description('Update configuration of one or more containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<container...>')
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
    .option('--restart <policy>', 'Restart policy to apply when a container exits')
    .action(async (refs: string[], opts: UpdateOptions) => {
      let request: ReturnType<typeof updateRequest>;
      try {
        request = updateRequest(opts);
      } catch (err) {
        throw new CliExit(EXIT_ENGINE_ERROR, `${(err as Error).message}\nSee 'ce update --help'.`);
      }
      if (request.given === 0) throw new CliExit(1, 'you must provide one or more flags when using this command');
      const conn = connect();
      const errors: string[] = [];
      const warnings: string[] = [];
      for (const id of refs) {
        try {
          const res = await unary<UpdateContainerResponse>(
            (cb) => conn.containers.update({ id, resources: request.resources, nanoCpus: request.nanoCpus, restartPolicy: request.restartPolicy }, cb),
            conn.target,
          );
          process.stdout.write(`${id}\n`);
          warnings.push(...res.warnings);
        } catch (err) {
          errors.push(daemonErrorMessage(err, conn.target));
        }
      }
      if (warnings.length) process.stdout.write(`${warnings.join('\n')}\n`);
      if (errors.length) throw new CliExit(1, errors.join('\n'));
    });
}
