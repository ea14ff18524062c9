// depends_on conditions: up waits, before it starts a service, until each
// dependency's container is healthy (service_healthy) or has exited 0
// (service_completed_successfully); service_started needs only the start.
import type { Connection } from '../connection.js';
import { ComposeError } from './compose-error.js';
import type { DependencyCondition } from './model.js';
import { inspectContainer } from './service-containers.js';

const POLL_MS = 500;

export async function waitForCondition(conn: Connection, id: string, condition: DependencyCondition, service: string): Promise<void> {
  if (condition === 'service_started') return;
  for (;;) {
    const c = await inspectContainer(conn, id);
    const state = c.state;
    if (condition === 'service_healthy') {
      const health = state?.health ?? '';
      if (!health) throw new ComposeError(`Container "${id.slice(0, 12)}" has no healthcheck configured`);
      if (health === 'healthy') return;
      if (health === 'unhealthy') throw new ComposeError(`Container "${id.slice(0, 12)}" is unhealthy.`);
      // docker-compose also gives up on a dependency that stopped while starting.
      if (!state?.running) throw new ComposeError(`Container "${id.slice(0, 12)}" is unhealthy.`);
    } else if (!state?.running && state?.status !== 'created') {
      if (state?.exitCode === 0) return;
      throw new ComposeError(`Service ${service} didn't complete successfully: exit ${state?.exitCode ?? 1}`);
    }
    // docker-compose polls too (every second); a health status has no event of its own here.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
