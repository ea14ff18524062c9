#!/usr/bin/env node
// ced: the ce daemon.
import { configFromFlags, withDaemonJson, parseCedArgs, type FlagValues } from '../daemon-options.js';
import type { DaemonConfig } from '../config.js';
import { startDaemon } from '../daemon.js';

let flags: FlagValues;
let configFile: string | undefined;
let help: boolean;
try {
  ({ flags, configFile, help } = parseCedArgs(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`ced: ${(err as Error).message}\n`);
  process.exit(1);
}

if (help) {
  process.stdout.write(`Usage: ced [OPTIONS]

The ce daemon.

Options:
      --config-file FILE         daemon.json: settings by dockerd's key names (default /etc/ce/daemon.json;
                                 a setting given both as a flag and in the file is an error)
      --root DIR                 persistent state (default /var/lib/ce, or $CE_ROOT)
      --state DIR                runtime state: sockets, shims (default /run/ce, or $CE_STATE)
  -H, --host PATH|fd://[N]       socket to serve (default <state>/ce.sock); fd:// takes systemd's (ced.socket)
      --docker-host ADDR         serve the Docker Engine API 1.41 at ADDR: unix:///path or tcp://127.0.0.1:PORT
                                 (loopback only; repeatable; default unix://<state>/docker.sock; "none": off)
      --cri-socket PATH          serve the Kubernetes CRI (runtime.v1) at PATH (default <state>/cri.sock; "none": off)
      --cri-stream-address ADDR  the CRI's exec/attach/port-forward server address (default 127.0.0.1)
      --cri-stream-port PORT     its port (default 0: a free port)
  -G, --group GROUP              the socket's group, mode 0660 (default ce, added if missing; "" for root's)
  -l, --log-level LEVEL          trace, debug, info, warn, error, fatal (default info)
      --log-file FILE            JSON log (default <root>/ced.log)
      --supervisor-address PATH  use a ce-supervisor at this socket instead of the built-in one
      --insecure-registry HOST   reach this registry (host:port or CIDR) over plain HTTP (repeatable)
      --registry-mirror URL      a mirror of docker.io, tried first (repeatable)
      --certs-dir DIR            CAs per registry at DIR/<host:port>/*.crt (default /etc/docker/certs.d)
      --seccomp-profile PROFILE  containers' default seccomp profile: a Docker-format JSON file, or
                                 "unconfined" for none (default: Docker's default profile)
      --log-driver DRIVER        containers' default log driver: json-file, local or none (default json-file)
      --log-opt KEY=VALUE        options of that driver, e.g. max-size=20m, max-file=5 (repeatable; json-file
                                 rotates at 20m x 5 files unless told otherwise)
      --init                     run an init inside containers that forwards signals and reaps processes
      --init-path PATH           the init binary --init mounts at /sbin/docker-init (default: ce-container-init)
      --add-runtime NAME=PATH    a runc-compatible runtime containers may name with --runtime (repeatable)
      --default-runtime NAME     containers' runtime when they name none (default ce, the in-process one;
                                 "runc" is the runc on PATH unless added)
      --shim-mode MODE           host: one shim process for all containers, a small ce-monitor each
                                 (default); per-container: a Node shim per container
      --default-ulimit NAME=SOFT[:HARD]
                                 containers' rlimit unless they set their own --ulimit NAME (repeatable)
  -b, --bridge NAME              the default network's bridge device (default ce0; "none": no default network)
      --bip CIDR                 the default bridge's address (default 10.210.0.1/16, apart from Docker's 172.17.0.0/16)
      --default-address-pool base=CIDR,size=N
                                 where networks created without --subnet take theirs (repeatable;
                                 default base=10.211.0.0/16,size=24)
      --iptables=false           program no NAT, published ports or isolation rules (default true)
      --ip-forward=false         leave the host's IPv4 forwarding as it is (default: turned on)
      --network-chain-prefix P   prefix of ce's iptables chains (default CE)
      --mtu N                    the default bridge's MTU (default 1500)
      --dns IP                   containers' default DNS servers (repeatable)
      --dns-search DOMAIN        containers' default search domains (repeatable)
      --dns-opt OPTION           containers' default resolv.conf options (repeatable)
      --cni-config-dir DIR       where "network create -d cni --opt cni.config=NAME" finds NAME (default /etc/cni/net.d)
      --cni-bin-dir DIR          where CNI plugins are found (repeatable; default /usr/lib/cni, /opt/cni/bin)
`);
  process.exit(0);
}

/** The flags with daemon.json's settings, checked and completed; read at start and again on SIGHUP. */
const readConfig = (): DaemonConfig => configFromFlags(withDaemonJson(flags, configFile));

let config: DaemonConfig;
try {
  config = readConfig();
} catch (err) {
  process.stderr.write(`ced: ${(err as Error).message}\n`);
  process.exit(1);
}

// A SIGHUP while ced starts (systemctl reload) must not kill it: the reload runs once it listens.
let reloadWhenStarted = false;
const reloadLater = () => (reloadWhenStarted = true);
process.on('SIGHUP', reloadLater);

try {
  const daemon = await startDaemon(config);
  const r = daemon.recovery;
  process.stderr.write(
    `ced: listening on ${daemon.socket} (pid ${process.pid}); found ${r.containers} containers: ` +
      `${r.running} running, ${r.exitedWhileDown} exited while ced was down, ${r.lost} lost, ${r.orphanTasks} orphan tasks removed` +
      (r.unresponsive ? `, ${r.unresponsive} with unresponsive shims left alone` : '') +
      (r.otherOwners ? `, ${r.otherOwners} tasks of other owners left alone` : '') +
      (r.orphanRootfs ? `, ${r.orphanRootfs} container layers without a record removed` : '') +
      (r.autoRemoved ? `, ${r.autoRemoved} --rm containers not running removed` : '') +
      (r.restartedByPolicy ? `, ${r.restartedByPolicy} started by their restart policy` : '') +
      (r.failed ? `, ${r.failed} failed to reconcile (see the log)` : '') +
      '\n',
  );
  // A bug in one container's handling must not take every container's daemon down.
  process.on('unhandledRejection', (err) => daemon.logger.error({ err }, 'unhandled rejection'));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    daemon.logger.info({ signal }, 'stopping');
    await daemon.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // dockerd's reload: daemon.json is read again; what can change while running does, the rest is reported.
  const reload = () => {
    try {
      const { applied, needsRestart } = daemon.reload(readConfig());
      daemon.logger.info({ signal: 'SIGHUP', applied, needsRestart }, 'reloaded configuration');
      if (needsRestart.length) daemon.logger.warn({ settings: needsRestart }, `changed settings need a restart of ced: ${needsRestart.join(', ')}`);
    } catch (err) {
      daemon.logger.error({ signal: 'SIGHUP', err: (err as Error).message }, 'error reconfiguring the daemon; nothing changed');
    }
  };
  process.off('SIGHUP', reloadLater);
  process.on('SIGHUP', reload);
  if (reloadWhenStarted) reload();
} catch (err) {
  process.stderr.write(`ced: ${(err as Error).message}\n`);
  process.exit(1);
}
