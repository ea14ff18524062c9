#!/usr/bin/env node
// ce-supervisor: the supervisor as its own process, for a ced configured with
// --supervisor-address (or any other client of ce.supervisor.v1).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { serveUnix } from '@ce/protocol';
import { supervisorGrpcService } from '../grpc.js';
import { Supervisor } from '../supervisor.js';

const { values } = parseArgs({
  options: {
    state: { type: 'string', default: process.env.CE_STATE ?? '/run/ce' },
    socket: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    log: { type: 'string' },
  },
});
const state = values.state!;
const socket = values.socket ?? join(state, 'supervisor.sock');
const logger = pino({ level: values['log-level'] }, values.log ? pino.destination({ dest: values.log, mkdir: true }) : pino.destination(2));
const supervisor = new Supervisor({ stateDir: state, runtimeRoot: join(state, 'runtime'), logLevel: values['log-level'], logger });
const server = await serveUnix(socket, [supervisorGrpcService(supervisor)], { mode: 0o600 });
supervisor.startSpare();
logger.info({ socket }, 'ce-supervisor listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    await supervisor.close();
    await server.close();
    process.exit(0);
  });
}
