import type { RequestContext } from './request-context.js';

export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export type RouteMatch = { handler: Handler; params: Record<string, string> };

/**
 * Routes by method and path, as dockerd's mux does. A path's `{name}` matches
 * one segment; `{name*}` matches the rest of the path with its slashes (image
 * names such as registry:5000/team/app). Paths are registered without the
 * `/v1.41` prefix, which the server strips.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path.replace(/[.+?^$()[\]|\\]/g, '\\$&').replace(/\{(\w+)(\*)?\}/g, (_all, name: string, greedy?: string) => {
      names.push(name);
      return greedy ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  get(path: string, handler: Handler): this {
    return this.add('GET', path, handler);
  }

  post(path: string, handler: Handler): this {
    return this.add('POST', path, handler);
  }

  put(path: string, handler: Handler): this {
    return this.add('PUT', path, handler);
  }

  delete(path: string, handler: Handler): this {
    return this.add('DELETE', path, handler);
  }

  head(path: string, handler: Handler): this {
    return this.add('HEAD', path, handler);
  }

  match(method: string, path: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { handler: route.handler, params };
    }
    return undefined;
  }
}
