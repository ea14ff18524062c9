// A default ce container against a default Docker 20.10 container (a private dockerd, no bridge,
// no iptables), from the same image archive: the same probes in both, compared field by field.
// Where ce deliberately differs, the test asserts ce's value and says why.
// Seccomp is compared by the seccomp work (its own tests), not here.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';
import { repoRoot } from './support/paths.js';


const IMAGE = 'ce-e2e/parity:latest';

// Docker 20.10's lists (moby oci/defaults.go), as its config.json shows them.
const DOCKER_MASKED = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
const DOCKER_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
// ce masks two paths more, as later Docker releases and podman do: /proc/interrupts (host
// interrupt counts, a side channel) and /sys/devices/virtual/powercap (RAPL energy counters,
// CVE-2020-8694). Masking more never lets a workload do more.
const CE_EXTRA_MASKED = ['/proc/interrupts', '/sys/devices/virtual/powercap'];

/**
 * One shell script for every probe, its sections headed "## name", so that
 * each engine starts one container per configuration.
 */
const PROBE = [
  'echo "## status"; grep -E "^(Cap|NoNewPrivs|Groups)" /proc/self/status',
  'echo "## id"; id',
  'echo "## env"; env | sort',
  'echo "## pwd"; pwd',
  'echo "## cwd"; ls -ldn . | awk \'{print $1, $3, $4}\'',
  `echo "## masked"; for p in ${[...DOCKER_MASKED, ...CE_EXTRA_MASKED].join(' ')}; do if [ ! -e $p ]; then echo "$p missing"; elif [ -d $p ]; then echo "$p dir $(ls -A $p | wc -l) entries"; else echo "$p file $(cat $p 2>/dev/null | wc -c) bytes"; fi; done`,
  `echo "## readonly"; for p in ${DOCKER_READONLY.join(' ')}; do awk -v p=$p '$5 == p {split($6, o, ","); print p, o[1]}' /proc/self/mountinfo; done`,
  'echo "## write"; (echo 1 > /proc/sys/kernel/ns_last_pid) 2>&1; (echo x > /proc/sys/ce-probe) 2>&1; true',
  'echo "## sysctl"; cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/net/ipv4/ping_group_range',
  'echo "## devices"; sort /sys/fs/cgroup/devices/devices.list 2>&1',
  'echo "## dev"; ls -ln /dev | awk \'NR > 1 {print $1, $3, $4, $5, $6, $NF}\'',
  'echo "## ulimit"; ulimit -n',
  'echo "## misc"; cat /proc/self/oom_score_adj; umask; hostname | grep -cE "^[0-9a-f]{12}$"',
  'echo "## mounts"; awk \'{print $5, $9}\' /proc/self/mountinfo',
].join('; ');

type Sections = Record<string, string>;

function sections(out: string): Sections {
  const result: Sections = {};
  let name = '';
  for (const line of out.split('\n')) {
    const head = /^## (\w+)$/.exec(line);
    if (head) result[(name = head[1]!)] = '';
    else if (name && line) result[name] += `${line}\n`;
  }
  return result;
}

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;

async function ceProbe(args: string[]): Promise<Sections> {
  const r = await ce(['run', '--rm', ...args, IMAGE, 'sh', '-c', PROBE], { socket: daemon.socket });
  if (r.code !== 0) throw new Error(`ce run ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return sections(r.stdout);
}

async function dockerProbe(args: string[]): Promise<Sections> {
  const r = await dockerd.docker(['run', '--rm', ...args, IMAGE, 'sh', '-c', PROBE]);
  if (r.code !== 0) throw new Error(`docker run ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return sections(r.stdout);
}

async function both(args: string[]): Promise<{ ce: Sections; docker: Sections }> {
  const [c, d] = await Promise.all([ceProbe(args), dockerProbe(args)]);
  return { ce: c, docker: d };
}

/** HOSTNAME is the container id's prefix in both; only its form can be compared. */
const envWithoutHostname = (env: string) => env.replace(/^HOSTNAME=[0-9a-f]{12}$/m, 'HOSTNAME=<id>');

/** Seccomp is the seccomp work's to compare; everything else in the status lines is compared here. */
const withoutSeccomp = (status: string) =>
  status
    .split('\n')
    .filter((l) => !l.startsWith('Seccomp'))
    .join('\n');

describe.skipIf(dockerPeerMissing !== undefined)('a default ce container matches a default Docker 20.10 container', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('parity', IMAGE, { ce: join(repoRoot, 'packages/runtime/bin/ce-runc.mjs') });
    ({ dockerd, daemon } = peer);
  }, 180_000);

  afterAll(async () => {
    if (peer) expect(await peer.dispose()).toEqual([]);
  }, 120_000);

  it('as the default user: capabilities, no_new_privs, groups, id, env, cwd', async () => {
    const r = await both([]);
    expect(withoutSeccomp(r.ce.status!)).toBe(withoutSeccomp(r.docker.status!));
    expect(r.ce.status).toContain('NoNewPrivs:\t0\n');
    expect(r.ce.id).toBe(r.docker.id);
    expect(envWithoutHostname(r.ce.env!)).toBe(envWithoutHostname(r.docker.env!));
    expect(r.ce.env).toContain('HOME=/root\n');
    expect(r.ce.pwd).toBe(r.docker.pwd);
  });

  it('masks and makes read-only the same paths (ce masks two more)', async () => {
    const r = await both([]);
    const lines = (s: string) => s.trim().split('\n');
    const extra = (s: string) => lines(s).filter((l) => CE_EXTRA_MASKED.some((p) => l.startsWith(`${p} `)));
    const common = (s: string) => lines(s).filter((l) => !CE_EXTRA_MASKED.some((p) => l.startsWith(`${p} `)));
    expect(common(r.ce.masked!)).toEqual(common(r.docker.masked!));
    // masked in ce: an empty file or directory, or absent on this host
    for (const l of extra(r.ce.masked!)) expect(l).toMatch(/ (missing|dir 0 entries|file 0 bytes)$/);
    expect(r.ce.readonly).toBe(r.docker.readonly);
    expect(r.ce.write).toBe(r.docker.write);
    expect(r.ce.write).toContain('Read-only file system');
  });

  it('the same network sysctls, device rules and /dev', async () => {
    const r = await both([]);
    expect(r.ce.sysctl).toBe(r.docker.sysctl);
    expect(r.ce.devices).toBe(r.docker.devices);
    expect(r.ce.dev).toBe(r.docker.dev);
  });

  it('the same oom_score_adj, umask and hostname form, and the same mounts', async () => {
    const r = await both([]);
    expect(r.ce.misc).toBe(r.docker.misc);
    // Both bind /etc/resolv.conf, /etc/hostname and /etc/hosts from the container's folder.
    const dockerMounts = r.docker.mounts!.split('\n');
    const ceMounts = r.ce.mounts!.split('\n').filter((l) => !CE_EXTRA_MASKED.some((p) => l.startsWith(`${p} `)));
    expect(ceMounts).toEqual(dockerMounts);
  });

  it('deliberately differs in RLIMIT_NOFILE: a fixed 1024 where Docker passes on its daemon\'s own limit', async () => {
    const r = await both([]);
    expect(r.ce.ulimit).toBe('1024\n');
  });

  it('-u 65534 (in passwd): its gid, groups and HOME, no capabilities left', async () => {
    const r = await both(['-u', '65534']);
    expect(withoutSeccomp(r.ce.status!)).toBe(withoutSeccomp(r.docker.status!));
    expect(r.ce.status).toContain('CapEff:\t0000000000000000\n');
    expect(r.ce.id).toBe(r.docker.id);
    expect(r.ce.id).toBe('uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n');
    expect(envWithoutHostname(r.ce.env!)).toBe(envWithoutHostname(r.docker.env!));
    expect(r.ce.env).toContain('HOME=/nonexistent\n');
  });

  it('-u 1234 (not in passwd): gid 0 and HOME=/', async () => {
    const r = await both(['-u', '1234']);
    expect(r.ce.id).toBe(r.docker.id);
    expect(r.ce.id).toBe('uid=1234 gid=0(root) groups=0(root)\n');
    expect(withoutSeccomp(r.ce.status!)).toBe(withoutSeccomp(r.docker.status!));
    expect(envWithoutHostname(r.ce.env!)).toBe(envWithoutHostname(r.docker.env!));
  });

  it('under Docker, ce-runc gives the process what runc gives it: HOME from passwd, the created cwd', async () => {
    const script = 'env | sort; id; pwd; ls -ldn . | cut -c1-10';
    for (const args of [[], ['-u', '65534', '-w', '/does/not/exist'], ['-u', '1234']]) {
      const [runc, ceRunc] = await Promise.all([
        dockerd.docker(['run', '--rm', ...args, IMAGE, 'sh', '-c', script]),
        dockerd.docker(['run', '--rm', '--runtime', 'ce', ...args, IMAGE, 'sh', '-c', script]),
      ]);
      expect(ceRunc.stderr).toBe('');
      expect(envWithoutHostname(ceRunc.stdout)).toBe(envWithoutHostname(runc.stdout));
      expect(ceRunc.stdout).toContain('HOME=');
    }
  });

  it('-w of a missing directory creates it, root-owned 0755, also for another user', async () => {
    for (const args of [['-w', '/does/not/exist'], ['-u', '65534', '-w', '/does/not/exist']]) {
      const r = await both(args);
      expect(r.ce.pwd).toBe('/does/not/exist\n');
      expect(r.ce.pwd).toBe(r.docker.pwd);
      expect(r.ce.cwd).toBe(r.docker.cwd);
      expect(r.ce.cwd).toBe('drwxr-xr-x 0 0\n');
    }
  });
});
