import { Router } from '../router.js';
import { registerSystemRoutes } from './system.js';

/** Every endpoint ced serves, one module per area of the API (additions: one line each). */
export function dockerApiRouter(): Router {
  const router = new Router();
  registerSystemRoutes(router);
  return router;
}
