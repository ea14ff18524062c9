import { Router } from '../router.js';
import { registerContainerChanges } from './container-changes.js';
import { registerContainerCreate } from './container-create.js';
import { registerContainerExport } from './container-export.js';
import { registerContainerInspect } from './container-inspect.js';
import { registerContainerLifecycle } from './container-lifecycle.js';
import { registerContainerList } from './container-list.js';
import { registerContainerPrune } from './container-prune.js';
import { registerContainerStats } from './container-stats.js';
import { registerContainerTop } from './container-top.js';
import { registerContainerUpdate } from './container-update.js';
import { registerContainerWait } from './container-wait.js';
import { registerAuthRoutes } from './auth.js';
import { registerBuildRoutes } from './build.js';
import { registerCommitRoutes } from './commit.js';
import { registerImageArchiveRoutes } from './image-archive.js';
import { registerImageCreateRoutes } from './image-create.js';
import { registerImagePushRoutes } from './image-push.js';
import { registerImageRoutes } from './images.js';
import { registerSystemRoutes } from './system.js';

/** Every endpoint ced serves, one module per area of the API (additions: one line each). */
export function dockerApiRouter(): Router {
  const router = new Router();
  registerSystemRoutes(router);
  registerContainerCreate(router);
  registerContainerList(router);
  registerContainerInspect(router);
  registerContainerLifecycle(router);
  registerContainerWait(router);
  registerContainerStats(router);
  registerContainerTop(router);
  registerContainerChanges(router);
  registerContainerExport(router);
  registerContainerUpdate(router);
  registerContainerPrune(router);
  registerImageCreateRoutes(router);
  registerImageArchiveRoutes(router);
  registerImagePushRoutes(router);
  registerImageRoutes(router);
  registerCommitRoutes(router);
  registerAuthRoutes(router);
  registerBuildRoutes(router);
  return router;
}
