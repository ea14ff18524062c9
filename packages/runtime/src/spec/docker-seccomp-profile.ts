// Docker's seccomp profile format: an OCI linux.seccomp plus what Docker
// resolves per container (archMap, includes/excludes by capability, arch and
// kernel). Parsing and validation only; seccomp-for-container.ts resolves it.
import type { LinuxSeccompAction, LinuxSeccompArg } from './types.js';
import { seccompProblems } from '../seccomp/validate.js';

/** Conditions on a syscall group: every listed item must hold (includes) or none may (excludes). */
export interface DockerSeccompFilter {
  /** Capabilities (CAP_*) of the container's bounding set. */
  caps?: string[];
  /** Go architecture names: amd64, x86, x32, arm, arm64, s390, s390x, ppc64le… */
  arches?: string[];
  /** "major.minor": the host's kernel must be at least this (includes) or below it (excludes). */
  minKernel?: string;
}

export interface DockerSeccompSyscall {
  /** Docker's legacy single name; use names. */
  name?: string;
  names?: string[];
  action: LinuxSeccompAction;
  errnoRet?: number;
  args?: LinuxSeccompArg[] | null;
  comment?: string;
  includes?: DockerSeccompFilter;
  excludes?: DockerSeccompFilter;
}

export interface DockerSeccompArchMap {
  architecture: string;
  subArchitectures?: string[];
}

export interface DockerSeccompProfile {
  defaultAction: LinuxSeccompAction;
  defaultErrnoRet?: number;
  /** Fixed architectures; a profile has either this or archMap. */
  architectures?: string[];
  /** The native architecture's entry picks the architectures. */
  archMap?: DockerSeccompArchMap[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: DockerSeccompSyscall[];
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: Json): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const MIN_KERNEL = /^\d+\.\d+$/;

function filterProblems(problems: string[], path: string, f: Json): void {
  if (f === undefined || f === null) return;
  if (!isObject(f)) {
    problems.push(`${path}: must be an object`);
    return;
  }
  for (const key of ['caps', 'arches'] as const) {
    if (f[key] !== undefined && f[key] !== null && !isStringArray(f[key])) problems.push(`${path}.${key}: must be an array of strings`);
  }
  if (f.minKernel !== undefined && f.minKernel !== null && f.minKernel !== '' && (typeof f.minKernel !== 'string' || !MIN_KERNEL.test(f.minKernel))) {
    problems.push(`${path}.minKernel: must be "<major>.<minor>", got ${JSON.stringify(f.minKernel)}`);
  }
}

/** The problems of a Docker-format profile as "<json path>: <problem>"; empty when valid. */
export function dockerSeccompProblems(profile: Json): string[] {
  if (!isObject(profile)) return ['the profile must be a JSON object'];
  const problems: string[] = [];
  if (profile.architectures != null && profile.archMap != null && (profile.architectures as Json[]).length && (profile.archMap as Json[]).length) {
    problems.push("'architectures' and 'archMap' were both given; use one of them");
  }
  if (profile.archMap !== undefined && profile.archMap !== null) {
    if (!Array.isArray(profile.archMap)) problems.push('archMap: must be an array');
    else
      profile.archMap.forEach((a, i) => {
        if (!isObject(a) || typeof a.architecture !== 'string') problems.push(`archMap[${i}].architecture: must be a string`);
        else if (a.subArchitectures != null && !isStringArray(a.subArchitectures)) problems.push(`archMap[${i}].subArchitectures: must be an array of strings`);
      });
  }
  // What Docker adds to each syscall entry; the rest is checked as the OCI form below.
  const asOci: Json[] = [];
  if (profile.syscalls !== undefined && profile.syscalls !== null && Array.isArray(profile.syscalls)) {
    profile.syscalls.forEach((s, i) => {
      if (!isObject(s)) return void asOci.push(s);
      const hasName = typeof s.name === 'string' && s.name !== '';
      if (hasName && Array.isArray(s.names) && s.names.length) problems.push(`syscalls[${i}]: 'name' and 'names' were both given; use one of them`);
      filterProblems(problems, `syscalls[${i}].includes`, s.includes);
      filterProblems(problems, `syscalls[${i}].excludes`, s.excludes);
      asOci.push({ names: hasName ? [s.name] : s.names, action: s.action, errnoRet: s.errnoRet, args: s.args });
    });
  }
  const archMapArches = Array.isArray(profile.archMap)
    ? profile.archMap.flatMap((a) => (isObject(a) ? [a.architecture, ...(isStringArray(a.subArchitectures) ? a.subArchitectures : [])] : []))
    : [];
  const oci = {
    defaultAction: profile.defaultAction,
    defaultErrnoRet: profile.defaultErrnoRet,
    architectures: profile.architectures ?? (archMapArches.length ? archMapArches : undefined),
    flags: profile.flags,
    listenerPath: profile.listenerPath,
    syscalls: Array.isArray(profile.syscalls) ? asOci : profile.syscalls,
  };
  for (const p of seccompProblems(oci, '')) problems.push(p.replace(/^\./, '').replace(/^architectures/, profile.architectures ? 'architectures' : 'archMap'));
  return problems;
}

/**
 * Parses a Docker-format profile (the text of `--security-opt seccomp=<file>`).
 * Throws an Error listing every problem; `source` names where the text came from.
 */
export function parseDockerSeccompProfile(text: string, source = 'seccomp profile'): DockerSeccompProfile {
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON: ${(err as Error).message}`);
  }
  const problems = dockerSeccompProblems(json);
  if (problems.length) throw new Error(`${source}: ${problems.join('; ')}`);
  return json as DockerSeccompProfile;
}
