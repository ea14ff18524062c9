import { Router } from '../router.js';
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
  registerImageCreateRoutes(router);
  registerImageArchiveRoutes(router);
  registerImagePushRoutes(router);
  registerImageRoutes(router);
  registerCommitRoutes(router);
  registerAuthRoutes(router);
  registerBuildRoutes(router);
  return router;
}
