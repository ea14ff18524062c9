// POST /auth: docker login's check of credentials against a registry, by
// ced's login (the call `ce login` makes); the client keeps the credentials.
import { unary } from '@ce/protocol';
import type { LoginResponse } from '@ce/protocol/gen/ce/images/v1/images';
import { authConfigFromJson } from '../registry-auth-header.js';
import { asRegistryFailure } from '../registry-error.js';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

/** Docker's registry.ConvertToHostname, with Docker Hub's addresses as ced's "" (docker.io). */
export function loginServer(serverAddress: string): string {
  const host = serverAddress.replace(/^https?:\/\//i, '').split('/')[0]!;
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host) ? '' : host;
}

async function login(ctx: RequestContext): Promise<void> {
  const { auth, serverAddress } = authConfigFromJson(await ctx.jsonBody<unknown>());
  const res = await unary<LoginResponse>((cb) => ctx.engine.images.login({ server: loginServer(serverAddress), auth }, cb)).catch((err: unknown) => {
    throw asRegistryFailure(err);
  });
  ctx.json(200, { IdentityToken: '', Status: res.status });
}

export function registerAuthRoutes(router: Router): void {
  router.post('/auth', login);
}
