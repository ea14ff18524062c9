#!/usr/bin/env node
// ce-shim: serves one container's Task API on its own socket, owns its stdio,
// log and exit status, and keeps running when ced does not.
import { closeSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { setChildSubreaper } from '@ce/native';
import { serveUnix } from '@ce/protocol';
import { Runtime, warmSeccomp } from '@ce/runtime';
import { defaultContainerSeccomp } from '@ce/runtime/spec';
import { taskGrpcService } from '../grpc.js';
import { OciBinaryRuntime } from '../runtimes/oci-binary.js';
import { ShimHost } from '../host.js';
import { ShimTask } from '../task.js';
import type { TaskApi } from '../task-api.js';

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    socket: { type: 'string' },
    'runtime-root': { type: 'string' },
    log: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'ready-fd': { type: 'string' },
    host: { type: 'boolean', default: false },
  },
  strict: true,
});

function usage(message: string): never {
  process.stderr.write(`ce-shim: ${message}\nusage: ce-shim [--id ID | --host] --socket PATH --runtime-root DIR [--log FILE] [--log-level LEVEL] [--ready-fd N]\n`);
  process.exit(2);
}

if (values.host && values.id) usage('--host serves many tasks: it takes no --id');
const socket = values.socket ?? usage('--socket is required');
const runtimeRoot = values['runtime-root'] ?? usage('--runtime-root is required');

// A full disk under --log must not end or hang the shim: pino's async
// destination throws its write error (uncaught) and, at exit, retries ENOSPC
// forever. Sync writes have no exit flush; a failed write keeps its rest for
// the next line, the buffer is bounded (beyond it lines are dropped), and
// write errors are ignored (the log cannot report its own failure).
const destination = values.log ? pino.destination({ dest: values.log, mkdir: true, sync: true, maxLength: 1024 * 1024 }) : pino.destination(2);
destination.on('error', () => undefined);
const logger = pino({ level: values['log-level'], base: { pid: process.pid, ...(values.id ? { shim: values.id } : {}) } }, destination);

// Without --id the shim is a spare, started ahead of need; its task's id
// comes with Create.

// Orphans of the container (its init once ce-init's parent exits) come to us.
setChildSubreaper(true);

let server: Awaited<ReturnType<typeof serveUnix>> | undefined;
// A runc-compatible binary keeps its state beside ours, one --root per runtime
// name: the runtime root's entries are the in-process runtime's containers.
const binaryRuntime = (name: string, path: string) => new OciBinaryRuntime(path, join(dirname(runtimeRoot), 'oci-runtimes', name));
const shutdown = () => {
  logger.info('shutting down');
  // Answer the Shutdown call before the server goes away.
  setImmediate(async () => {
    await server?.close(500);
    logger.flush();
    process.exit(0);
  });
};
// With --host, or CE_SHIM_MONITOR=1 (inherited from ced through the supervisor): containers run under ce-monitor (decision 0029).
const monitorSocketDir = values.host || process.env.CE_SHIM_MONITOR === '1' ? dirname(socket) : undefined;
const runtime = new Runtime({ root: runtimeRoot, logger });
let task: TaskApi;
if (values.host) {
  // One process for many tasks; a host started again takes over the tasks whose monitors ran on without it.
  const host = new ShimHost((onShutdown) => new ShimTask(runtime, logger, onShutdown, binaryRuntime, { monitorSocketDir }), logger, monitorSocketDir!, shutdown);
  const adopted = await host.adoptAll();
  if (adopted.length) logger.info({ adopted }, 'adopted the tasks of a previous host');
  task = host;
} else {
  task = new ShimTask(runtime, logger, shutdown, binaryRuntime, { monitorSocketDir });
}

process.on('SIGTERM', () => logger.warn('SIGTERM ignored: the shim ends through Shutdown once its task is deleted'));
process.on('SIGINT', () => undefined);
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception');
  logger.flush();
  process.exit(1);
});

try {
  // A task's socket path is its supervisor's to remove (after Shutdown answers): by the time this
  // shim's server has closed, a new shim of the same id may serve there.
  server = await serveUnix(socket, [taskGrpcService(task)], { mode: 0o600, removeOnClose: Boolean(values.host) });
} catch (err) {
  logger.fatal({ err, socket }, 'cannot listen');
  process.stderr.write(`ce-shim: cannot listen on ${socket}: ${(err as Error).message}\n`);
  process.exit(1);
}
logger.info({ socket }, 'shim ready');
// A spare's container most likely runs under ced's default seccomp profile and
// Docker's default capabilities: compile that filter now, off `run`'s path.
if (!values.id) setImmediate(() => warmSeccomp(defaultContainerSeccomp()));
if (values['ready-fd']) {
  const fd = Number(values['ready-fd']);
  try {
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
  } catch (err) {
    // Whoever started us is gone before we were ready: nobody knows this shim.
    logger.warn({ err }, 'the process that started this shim is gone; exiting');
    await server.close(100);
    logger.flush();
    process.exit(0);
  }
}
