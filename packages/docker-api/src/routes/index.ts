import { Router } from '../router.js';
import { registerEventRoutes } from './events.js';
import { registerNetworkRoutes } from './networks.js';
import { registerSystemRoutes } from './system.js';
import { registerVolumeRoutes } from './volumes.js';

/** Every endpoint ced serves, one module per area of the API (additions: one line each). */
export function dockerApiRouter(): Router {
  const router = new Router();
  registerSystemRoutes(router);
  registerNetworkRoutes(router);
  registerVolumeRoutes(router);
  registerEventRoutes(router);
  return router;
}
