import { Router } from '../router.js';
import { registerSystemRoutes } from './system.js';
import { registerContainerLogsRoutes } from './container-logs.js';
import { registerContainerAttachRoutes } from './container-attach.js';
import { registerExecRoutes } from './exec.js';
import { registerContainerArchiveRoutes } from './container-archive.js';

/** Every endpoint ced serves, one module per area of the API (additions: one line each). */
export function dockerApiRouter(): Router {
  const router = new Router();
  registerSystemRoutes(router);
  registerContainerLogsRoutes(router);
  registerContainerAttachRoutes(router);
  registerExecRoutes(router);
  registerContainerArchiveRoutes(router);
  return router;
}
