// docker run's resource, ulimit, device, read-only, group and shm flags:
// their effect inside the container and in its cgroup, what inspect records,
// and Docker 20.10's wording for bad values (recorded from a real dockerd).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[]) => ce(args, { socket: daemon.socket });
const MiB = 1024 * 1024;

/** The v1 cgroup file of a running container's init, read from the host. */
function cgroupFile(pid: number, controller: string, file: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes(controller));
  if (!line) throw new Error(`no ${controller} cgroup for pid ${pid}`);
  return readFileSync(`/sys/fs/cgroup/${controller}${line.split(':')[2]}/${file}`, 'utf8').trim();
}

const v1 = (controller: string) => {
  try {
    return readFileSync('/proc/self/cgroup', 'utf8').split('\n').some((l) => l.split(':')[1]?.split(',').includes(controller));
  } catch {
    return false;
  }
};

describe('resource flags', () => {
  it('apply inside the container as they do under Docker', async () => {
    const script = 'ulimit -n; ulimit -Hn; ls -l /dev/mynull; id; touch /x; df -k /dev/shm | tail -1';
    const r = await run([
      'run', '--rm', '--pids-limit', '5', '--ulimit', 'nofile=100:200', '--device', '/dev/null:/dev/mynull', '--read-only',
      '--group-add', '123', '--shm-size', '1m', 'busybox', 'sh', '-c', script,
    ]);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('100');
    expect(lines[1]).toBe('200');
    expect(lines[2]).toMatch(/^crw-rw-rw-\s+1 (0|root)\s+(0|root)\s+1,\s+3 .* \/dev\/mynull$/);
    expect(lines[3]).toBe('uid=0(root) gid=0(root) groups=0(root),123');
    expect(r.stderr).toContain("touch: /x: Read-only file system");
    expect(lines[4]).toMatch(/^shm\s+1024\s+0\s+1024\s+0% \/dev\/shm$/);
  });

  it.skipIf(!v1('memory') || !v1('pids') || !v1('cpu'))('set the cgroup limits and show in inspect (cgroup v1 controllers)', async () => {
    const c = await run(['run', '-d', '-m', '10m', '--memory-reservation', '8m', '--cpus', '1.5', '--cpu-shares', '512', '--pids-limit', '5', '--cpuset-cpus', '0', '--oom-score-adj', '100', 'busybox', 'sleep', '60']);
    expect(c.code).toBe(0);
    const id = c.stdout.trim();
    ids.push(id);
    try {
      const json = await inspectContainer(daemon.socket, id);
      expect(json.HostConfig).toMatchObject({ Memory: 10 * MiB, MemorySwap: 20 * MiB, MemoryReservation: 8 * MiB, NanoCpus: 1.5e9, CpuShares: 512, PidsLimit: 5, CpusetCpus: '0', OomScoreAdj: 100 });
      const pid = Number(json.State.Pid);
      expect(cgroupFile(pid, 'memory', 'memory.limit_in_bytes')).toBe(String(10 * MiB));
      expect(cgroupFile(pid, 'memory', 'memory.soft_limit_in_bytes')).toBe(String(8 * MiB));
      expect(cgroupFile(pid, 'pids', 'pids.max')).toBe('5');
      expect(cgroupFile(pid, 'cpu', 'cpu.cfs_quota_us')).toBe('150000');
      expect(cgroupFile(pid, 'cpu', 'cpu.shares')).toBe('512');
      expect(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim()).toBe('100');
    } finally {
      await run(['rm', '-f', id]);
    }
  });

  it.each([
    [['-m', 'x'], `invalid argument "x" for "-m, --memory" flag: invalid size: 'x'`],
    [['-m', '1k'], 'Minimum memory limit allowed is 6MB.'],
    [['-m', '10m', '--memory-swap', '5m'], 'Minimum memoryswap limit should be larger than memory limit, see usage.'],
    [['--memory-swap', '20m'], 'You should always set the Memory limit when using Memoryswap limit, see usage.'],
    [['--cpus', 'x'], 'invalid argument "x" for "--cpus" flag: failed to parse x as a rational number'],
    [['--cpus', '1', '--cpu-period', '1000'], 'Conflicting options: Nano CPUs and CPU Period cannot both be set.'],
    [['--cpuset-cpus', 'a'], 'Invalid value a for cpuset cpus: invalid format: a.'],
    [['--pids-limit', 'x'], 'invalid argument "x" for "--pids-limit" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [['--ulimit', 'x'], 'invalid argument "x" for "--ulimit" flag: invalid ulimit argument: x'],
    [['--ulimit', 'foo=1'], 'invalid argument "foo=1" for "--ulimit" flag: invalid ulimit type: foo'],
    [['--ulimit', 'nofile=10:5'], 'invalid argument "nofile=10:5" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 10 > 5'],
    [['--device', 'relative'], 'relative is not an absolute path.'],
    [['--device', '/dev/nope'], 'error gathering device information while adding custom device "/dev/nope": no such file or directory.'],
    [['--shm-size', 'x'], `invalid argument "x" for "--shm-size" flag: invalid size: 'x'`],
    [['--oom-score-adj', '2000'], 'Invalid value 2000, range for oom score adj is [-1000, 1000].'],
    [['--memory-reservation', '20m', '-m', '10m'], 'Minimum memory limit can not be less than memory reservation limit, see usage.'],
  ])('refuses %j with Docker 20.10 wording, exit 125, nothing created', async (flags, message) => {
    const r = await run(['run', '--rm', ...flags, 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("See 'ce run --help'.");
    expect((await run(['ps', '-aq'])).stdout).toBe('');
  });

  it('--group-add of a group the image lacks fails the start with Docker\'s message', async () => {
    const r = await run(['run', '--rm', '--group-add', 'nogroupx', 'busybox', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Unable to find group nogroupx: no matching entries in group file');
  });
});
