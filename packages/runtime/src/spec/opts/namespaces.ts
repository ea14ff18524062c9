import type { LinuxNamespaceType } from '../types.js';
import type { SpecOpt } from './spec-opt.js';

/** A namespace of `type`: a new one, or the one at `path` (/proc/<pid>/ns/<type>, a bind-mounted netns) when given. */
export function withNamespace(type: LinuxNamespaceType, path?: string): SpecOpt {
  if (path !== undefined && !path.startsWith('/')) throw new Error(`withNamespace: the ${type} namespace path '${path}' is not absolute`);
  return (spec) => {
    const others = (spec.linux?.namespaces ?? []).filter((n) => n.type !== type);
    spec.linux = { ...spec.linux, namespaces: [...others, path === undefined ? { type } : { type, path }] };
  };
}

/** No namespace of `type`: the container shares the host's (Docker's --net=host, --pid=host, ...). */
export function withHostNamespace(type: LinuxNamespaceType): SpecOpt {
  return (spec) => {
    if (!spec.linux?.namespaces) return;
    spec.linux = { ...spec.linux, namespaces: spec.linux.namespaces.filter((n) => n.type !== type) };
  };
}

/** Joins the network namespace at `path`, one a network subsystem created and bind-mounted. */
export function withNetnsPath(path: string): SpecOpt {
  return withNamespace('network', path);
}
