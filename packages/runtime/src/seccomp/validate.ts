// Checks a config's linux.seccomp; every problem names its JSON path.
import { ARCHES, ARCHES_WITHOUT_TABLE } from './arch.js';

export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
];
export const SECCOMP_OPERATORS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
/** linux/seccomp.h: the flags of seccomp(SECCOMP_SET_MODE_FILTER) a config may ask for. */
export const SECCOMP_FLAGS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
};
/** seccomp_data holds six arguments. */
export const SECCOMP_MAX_ARGS = 6;
const UINT64_MAX = 2 ** 64;
const NOTIFY_UNSUPPORTED = 'SCMP_ACT_NOTIFY is not supported (ce has no seccomp user notification listener)';

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUint = (v: Json, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

function checkAction(problems: string[], path: string, v: Json): void {
  if (v === undefined) problems.push(`${path}: is required`);
  else if (typeof v !== 'string' || !SECCOMP_ACTIONS.includes(v)) problems.push(`${path}: unknown action ${JSON.stringify(v)}`);
  else if (v === 'SCMP_ACT_NOTIFY') problems.push(`${path}: ${NOTIFY_UNSUPPORTED}`);
}

function checkErrnoRet(problems: string[], path: string, v: Json, action: Json): void {
  if (v === undefined) return;
  if (!isUint(v, 0xffff)) problems.push(`${path}: must be an integer from 0 to 65535`);
  else if (action !== 'SCMP_ACT_ERRNO' && action !== 'SCMP_ACT_TRACE') problems.push(`${path}: is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE`);
}

function checkArg(problems: string[], path: string, a: Json): void {
  if (!isObject(a)) {
    problems.push(`${path}: must be an object`);
    return;
  }
  if (!isUint(a.index, SECCOMP_MAX_ARGS - 1)) problems.push(`${path}.index: must be an integer from 0 to ${SECCOMP_MAX_ARGS - 1}`);
  if (!isUint(a.value, UINT64_MAX)) problems.push(`${path}.value: must be an unsigned 64-bit integer`);
  if (a.valueTwo !== undefined && !isUint(a.valueTwo, UINT64_MAX)) problems.push(`${path}.valueTwo: must be an unsigned 64-bit integer`);
  if (typeof a.op !== 'string' || !SECCOMP_OPERATORS.includes(a.op)) problems.push(`${path}.op: unknown operator ${JSON.stringify(a.op)}`);
}

/** The problems of `seccomp` (config.json's linux.seccomp) as "<json path>: <problem>"; empty when valid. */
export function seccompProblems(seccomp: Json, base = 'linux.seccomp'): string[] {
  const problems: string[] = [];
  if (!isObject(seccomp)) return [`${base}: must be an object`];
  checkAction(problems, `${base}.defaultAction`, seccomp.defaultAction);
  checkErrnoRet(problems, `${base}.defaultErrnoRet`, seccomp.defaultErrnoRet, seccomp.defaultAction);
  if (seccomp.listenerPath !== undefined && seccomp.listenerPath !== '') problems.push(`${base}.listenerPath: ${NOTIFY_UNSUPPORTED}`);
  const list = (key: string): Json[] | undefined => {
    const v = seccomp[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) problems.push(`${base}.${key}: must be an array`);
    return Array.isArray(v) ? v : undefined;
  };
  list('architectures')?.forEach((a, i) => {
    if (typeof a !== 'string' || (!ARCHES.has(a) && !ARCHES_WITHOUT_TABLE.has(a))) {
      problems.push(`${base}.architectures[${i}]: unknown architecture ${JSON.stringify(a)}`);
    }
  });
  list('flags')?.forEach((f, i) => {
    if (typeof f !== 'string' || !(f in SECCOMP_FLAGS)) problems.push(`${base}.flags[${i}]: unknown or unsupported flag ${JSON.stringify(f)}`);
  });
  list('syscalls')?.forEach((s, i) => {
    const path = `${base}.syscalls[${i}]`;
    if (!isObject(s)) {
      problems.push(`${path}: must be an object`);
      return;
    }
    if (!Array.isArray(s.names) || s.names.length === 0) problems.push(`${path}.names: must be a non-empty array`);
    else s.names.forEach((n, j) => typeof n === 'string' && n !== '' ? undefined : problems.push(`${path}.names[${j}]: must be a non-empty string`));
    checkAction(problems, `${path}.action`, s.action);
    checkErrnoRet(problems, `${path}.errnoRet`, s.errnoRet, s.action);
    if (s.args !== undefined && s.args !== null) {
      if (!Array.isArray(s.args)) problems.push(`${path}.args: must be an array`);
      else s.args.forEach((a, j) => checkArg(problems, `${path}.args[${j}]`, a));
    }
  });
  return problems;
}
