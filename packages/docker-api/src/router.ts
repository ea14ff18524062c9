import type { RequestContext } from './request-context.js';

export type Handler = (ctx: RequestContext) => Promise<void> | void;

/** A path's segment: a literal, a `{name}` parameter (one segment) or a `{name*}` parameter (the rest of the path). */
type Segment = { literal: string } | { name: string; greedy: boolean };

interface Route {
  segments: Segment[];
  handler: Handler;
}

export type RouteMatch = { handler: Handler; params: Record<string, string> };

/**
 * Routes by method and path, as dockerd's mux does. A path's `{name}` matches
 * one segment; `{name*}` matches the rest of the path with its slashes (image
 * names such as registry:5000/team/app), and may be followed by literal
 * segments (`/images/{name*}/json`). Paths are registered without the
 * `/v1.41` prefix, which the server strips. Matching compares segments (no
 * regular expression per route: a request tries several routes, and most
 * requests come one at a time to an idle daemon, where each step costs).
 */
export class Router {
  /** Each method's routes, in the order they were added (the first that matches wins). */
  private readonly routes = new Map<string, Route[]>();

  add(method: string, path: string, handler: Handler): this {
    const segments = path
      .split('/')
      .slice(1)
      .map((s): Segment => {
        const m = /^\{(\w+)(\*)?\}$/.exec(s);
        return m ? { name: m[1]!, greedy: m[2] === '*' } : { literal: s };
      });
    const routes = this.routes.get(method) ?? [];
    routes.push({ segments, handler });
    this.routes.set(method, routes);
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
    const routes = this.routes.get(method);
    if (!routes || path[0] !== '/') return undefined;
    const parts = path.split('/');
    for (const route of routes) {
      const params = matchSegments(route.segments, parts);
      if (params) return { handler: route.handler, params };
    }
    return undefined;
  }
}

/** The parameters of a route whose segments match the path's parts (after its leading empty one), decoded. */
function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let at = 1;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if ('literal' in segment) {
      if (parts[at] !== segment.literal) return undefined;
      at++;
      continue;
    }
    if (!segment.greedy) {
      const part = parts[at];
      if (!part) return undefined;
      params[segment.name] = decodeURIComponent(part);
      at++;
      continue;
    }
    // The rest of the path but the literal segments after it; at least one character.
    const after = segments.length - i - 1;
    const end = parts.length - after;
    if (end <= at) return undefined;
    const rest = parts.slice(at, end).join('/');
    if (!rest) return undefined;
    params[segment.name] = decodeURIComponent(rest);
    at = end;
  }
  return at === parts.length ? params : undefined;
}
