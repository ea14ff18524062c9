// A private Docker daemon (Debian's docker.io) for tests and benchmarks:
// its own data-root, exec-root, socket, pid file and cgroup parent inside one
// folder, and its own bridge (created here, removed at stop: `--bridge=none`
// would make dockerd delete the host's docker0), with no iptables rules and
// no change to ip_forward unless the caller asks for networking, so it leaves
// nothing on the host once stopped. The client is the docker.io package's own
// (/usr/bin/docker), not another docker earlier in PATH.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export function which(name, extra = []) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', ...extra];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {}
  }
  return null;
}

/**
 * apt-get install, with a policy-rc.d that forbids starting services for the
 * time of the install (a system dockerd would add a bridge and iptables rules).
 */
export function aptInstall(pkgs) {
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# ce: no service starts during apt-get install\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env, encoding: 'utf8' });
    let r = install();
    if (r.status !== 0) {
      spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-qq'], { env, encoding: 'utf8' });
      r = install();
    }
    if (r.status !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

/** dockerd and its client, installing docker.io when missing. */
export function dockerBinaries() {
  let dockerd = which('dockerd');
  if (!dockerd) {
    aptInstall(['docker.io']);
    dockerd = which('dockerd');
    if (!dockerd) throw new Error('dockerd still missing after apt-get install docker.io');
  }
  const client = [join(dirname(dockerd), 'docker'), '/usr/bin/docker'].find((p) => existsSync(p)) ?? which('docker');
  if (!client) throw new Error('docker client not found');
  return { dockerd, client };
}

function ping(socketPath) {
  return new Promise((res) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on('error', () => res(false));
    req.on('timeout', () => {
      req.destroy();
      res(false);
    });
    req.end();
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function stopPid(pid, graceMs) {
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(50);
  }
}

function readdirQuiet(d) {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

/** rmdir bottom-up; never removes a file. */
function removeEmptyTree(d) {
  try {
    if (!statSync(d).isDirectory()) return;
  } catch {
    return;
  }
  for (const e of readdirQuiet(d)) removeEmptyTree(join(d, e));
  try {
    rmdirSync(d);
  } catch {}
}

function tailFile(path, lines = 30) {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function ip(args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/**
 * A bridge of this daemon's own, with a /24 in 10.213.0.0/16 that no route
 * of the machine uses yet; `remove()` deletes it (dockerd never deletes a
 * bridge given with -b).
 */
let bridgeSeq = 0;

function createOwnBridge() {
  let name;
  do name = `cedk${process.pid}x${bridgeSeq++}`.slice(0, 15);
  while (spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0);
  const routes = ip(['-4', 'route', 'show', 'table', 'all']);
  let subnet = null;
  for (let n = process.pid % 256, i = 0; i < 256 && !subnet; i++, n = (n + 1) % 256) {
    if (!routes.includes(`10.213.${n}.`)) subnet = `10.213.${n}`;
  }
  if (!subnet) throw new Error('no free /24 in 10.213.0.0/16 for the private dockerd bridge');
  ip(['link', 'add', name, 'type', 'bridge']);
  try {
    ip(['addr', 'add', `${subnet}.1/24`, 'dev', name]);
    ip(['link', 'set', name, 'up']);
  } catch (err) {
    spawnSync('ip', ['link', 'del', name]);
    throw err;
  }
  return { name, cidr: `${subnet}.1/24`, remove: () => spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' }) };
}

/**
 * Starts dockerd in `dir` (created if missing) and waits until it answers.
 *
 * @param {object} opts
 * @param {string} opts.dir folder for everything the daemon writes
 * @param {Record<string,string>} [opts.runtimes] extra OCI runtimes: name → path (dockerd --add-runtime)
 * @param {string[]} [opts.args] more dockerd arguments
 * @param {Record<string,unknown>} [opts.config] more daemon.json keys
 * @param {boolean} [opts.networking] let dockerd program iptables (NAT, published ports) and turn on ip_forward, as a system dockerd does
 * @returns {Promise<{ client: string, sock: string, host: string[], env: NodeJS.ProcessEnv, log: string, bridge: string,
 *   docker(args: string[], o?: { input?: string|Buffer, timeoutMs?: number }): Promise<{ code: number|null, stdout: string, stderr: string }>,
 *   stop(): Promise<void> }>}
 */
export async function startPrivateDockerd({ dir, runtimes = {}, args = [], config = {}, networking = false }) {
  const { dockerd, client } = dockerBinaries();
  await mkdir(dir, { recursive: true });
  const execRoot = join(dir, 'exec');
  const sock = join(dir, 'docker.sock');
  const pidfile = join(dir, 'docker.pid');
  const log = join(dir, 'dockerd.log');
  const cgroupParent = `ce-test-docker-${process.pid}-${Date.now().toString(36)}`;
  // Never read /etc/docker/daemon.json; keep the trust key dockerd 20.10 makes out of /etc/docker.
  await writeFile(join(dir, 'daemon.json'), JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json'), ...config }) + '\n');
  const bridge = createOwnBridge();
  const argv = [
    '--config-file', join(dir, 'daemon.json'),
    '--data-root', join(dir, 'data'),
    '--exec-root', execRoot,
    '--pidfile', pidfile,
    '-H', `unix://${sock}`,
    '--bridge', bridge.name,
    ...(networking ? [] : ['--iptables=false', '--ip6tables=false', '--ip-masq=false', '--ip-forward=false']),
    '--cgroup-parent', `/${cgroupParent}`,
    ...Object.entries(runtimes).flatMap(([name, path]) => ['--add-runtime', `${name}=${path}`]),
    ...args,
  ];
  // dockerd and its containerd create these whatever --exec-root says: removed after if we made them and they are empty.
  const runDirs = ['/run/docker', '/run/containerd'].filter((d) => !existsSync(d));
  let daemon;
  try {
    const fd = openSync(log, 'a');
    try {
      daemon = spawn(dockerd, argv, { detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    bridge.remove();
    throw err;
  }
  daemon.on('error', () => {});
  daemon.unref();

  const env = { ...process.env, DOCKER_CONFIG: join(dir, 'client-config') };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  const host = ['-H', `unix://${sock}`];

  const stop = async () => {
    let pid = daemon.pid;
    try {
      pid = Number(readFileSync(pidfile, 'utf8').trim()) || pid;
    } catch {}
    await stopPid(pid, 30_000);
    // dockerd stops the containerd it started; make sure, by its pid file.
    try {
      const cpid = Number(readFileSync(join(execRoot, 'containerd/containerd.pid'), 'utf8').trim());
      if (cpid && alive(cpid) && readFileSync(`/proc/${cpid}/cmdline`, 'utf8').includes(dir)) await stopPid(cpid, 10_000);
    } catch {}
    for (const d of runDirs) removeEmptyTree(d);
    for (const ctrl of readdirQuiet('/sys/fs/cgroup')) {
      const d = join('/sys/fs/cgroup', ctrl, cgroupParent);
      if (existsSync(d)) removeEmptyTree(d);
    }
    bridge.remove();
  };

  const deadline = Date.now() + 60_000;
  while (!(await ping(sock))) {
    if (daemon.exitCode !== null || daemon.signalCode !== null) {
      await stop();
      throw new Error(`dockerd exited at start-up:\n${tailFile(log)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dockerd did not answer within 60 s:\n${tailFile(log)}`);
    }
    await sleep(100);
  }

  const docker = (dargs, { input, timeoutMs = 120_000 } = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(client, [...host, ...dargs], { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      const out = [];
      const err = [];
      child.stdout.on('data', (b) => out.push(b));
      child.stderr.on('data', (b) => err.push(b));
      if (input !== undefined) child.stdin.end(input);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      });
    });

  return { client, sock, host, env, log, bridge: bridge.name, docker, stop };
}
