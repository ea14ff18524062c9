#!/usr/bin/env node
// ce-cri: the Kubernetes CRI on its own, over a running ced (ced hosts the
// same server by default; see --cri-socket there).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCri } from '../server.js';

const state = process.env.CE_STATE ?? '/run/ce';
const usage = `Usage: ce-cri [OPTIONS]

Serves the Kubernetes CRI (runtime.v1 RuntimeService and ImageService) over a running ced.

Options:
      --ced-socket PATH    ced's socket (default $CE_HOST, or <$CE_STATE or /run/ce>/ce.sock)
      --socket PATH        the CRI socket to serve (default <$CE_STATE or /run/ce>/cri.sock)
      --state DIR          the adapter's own state (default <$CE_STATE or /run/ce>/cri)
      --root DIR           where pod sandbox records and CNI results are kept (default: the state folder)
      --supervisor-socket PATH  ced's supervisor when it is not on ced's socket (ced --supervisor-address)
      --cni-conf-dir DIR   the CNI networks: NetworkReady's, and the first is the pods' (default /etc/cni/net.d)
      --cni-bin-dir DIR    where CNI plugins are found (repeatable; default /usr/lib/cni, /opt/cni/bin)
      --stream-address ADDR  the exec/attach/port-forward server's address (default 127.0.0.1)
      --stream-port PORT   its port (default 0: a free port)
  -h, --help               this text
`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      'ced-socket': { type: 'string' },
      socket: { type: 'string' },
      state: { type: 'string' },
      root: { type: 'string' },
      'supervisor-socket': { type: 'string' },
      'cni-conf-dir': { type: 'string' },
      'cni-bin-dir': { type: 'string', multiple: true },
      'stream-address': { type: 'string' },
      'stream-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (err) {
  process.stderr.write(`ce-cri: ${(err as Error).message}\n${usage}`);
  process.exit(1);
}
const streamPort = values['stream-port'];
if (streamPort !== undefined && (!/^\d+$/.test(streamPort) || Number(streamPort) > 65535)) {
  process.stderr.write(`ce-cri: --stream-port: ${streamPort}: a port number (0-65535) is needed\n`);
  process.exit(1);
}
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const line = (level: string) => (obj: object | string, msg?: string) =>
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, ...(typeof obj === 'string' ? { msg: obj } : { ...obj, msg }) })}\n`);
const logger = { debug() {}, info: line('info'), warn: line('warn'), error: line('error') };

try {
  const server = await startCri({
    ceSocket: values['ced-socket'] ?? process.env.CE_HOST ?? join(state, 'ce.sock'),
    socket: values.socket ?? join(state, 'cri.sock'),
    stateDir: values.state ?? join(state, 'cri'),
    ...(values.root ? { rootDir: values.root } : {}),
    ...(values['supervisor-socket'] ? { supervisorSocket: values['supervisor-socket'] } : {}),
    cniConfDir: values['cni-conf-dir'],
    ...(values['cni-bin-dir']?.length ? { cniBinDirs: values['cni-bin-dir'] } : {}),
    ...(values['stream-address'] ? { streamAddress: values['stream-address'] } : {}),
    ...(streamPort !== undefined ? { streamPort: Number(streamPort) } : {}),
    logger,
  });
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  process.stderr.write(`ce-cri: ${(err as Error).message}\n`);
  process.exit(1);
}
