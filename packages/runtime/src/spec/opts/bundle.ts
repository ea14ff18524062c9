// Where the container's files and cgroup are, and what it is labelled with.
import type { SpecOpt } from './spec-opt.js';

/** The root filesystem: a path relative to the bundle (or absolute), and whether it is mounted read-only. */
export function withRoot(path: string, readonly = false): SpecOpt {
  return (spec) => {
    spec.root = { path, readonly };
  };
}

/** Adds annotations, replacing any with the same key. */
export function withAnnotations(annotations: Record<string, string>): SpecOpt {
  return (spec) => {
    spec.annotations = { ...(spec.annotations ?? {}), ...annotations };
  };
}

/** The container's cgroup, relative to the cgroup root. */
export function withCgroupsPath(path: string): SpecOpt {
  return (spec) => {
    spec.linux = { ...spec.linux, cgroupsPath: path };
  };
}
