// Namespaces and owners, as containerd has them: every task, cgroup and
// container layer belongs to one namespace and carries its owner's label, so
// that recovery, prune and GC act only on what their namespace owns.

/** ce users' namespace; the CRI uses "k8s.io", the builder its own. */
export const DEFAULT_NAMESPACE = 'default';

/** The namespace of ced's build containers (`ce build`'s RUN and COPY steps). */
export const BUILD_NAMESPACE = 'build';

/**
 * The repository of the build cache's images (decision 0054): one name per
 * cache key. `ce images` shows them only with -a, as docker images shows
 * intermediate images.
 */
export const BUILD_CACHE_REPOSITORY = 'ce-build-cache';

/** The label naming who made a task or a container layer (e.g. "ced"). */
export const OWNER_LABEL = 'ce.owner';

/** The label naming the namespace of a container layer. */
export const NAMESPACE_LABEL = 'ce.namespace';

/** The spec annotations that name a task's namespace and owner, so that they outlive its shim. */
export const NAMESPACE_ANNOTATION = 'org.ce.namespace';
export const OWNER_ANNOTATION = 'org.ce.owner';

const NAME = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;

/** containerd's rule: letters and digits, single `.`, `_` or `-` between them, at most 76 characters. */
export function namespaceProblem(name: string): string | undefined {
  if (!name) return 'a namespace is required';
  if (name.length > 76 || !NAME.test(name)) {
    return `namespace ${JSON.stringify(name)} is invalid: it must be letters and digits separated by single '.', '_' or '-', at most 76 characters`;
  }
  return undefined;
}
