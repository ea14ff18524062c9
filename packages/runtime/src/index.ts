export { Runtime, parseSignal, type RuntimeOptions, type CreateOptions, type Container, type KillOptions, type ExecOptions, type DeleteOptions, type EventsOptions, type Logger } from './runtime.js';
export type { StdioSpec, ExitInfo } from './init-process.js';
export type { MonitorOptions, MonitorHandle, MonitorExit, MonitorLogFormat, MonitorLogWriteReport } from './monitor.js';
export { RuntimeError, isRuntimeError, type RuntimeErrorCode } from './errors.js';
export { defaultSpec, DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, DEFAULT_PATH } from './spec/default-spec.js';
export { validateSpec, validateProcess, validateResources } from './spec/validate.js';
export type * from './cgroups/stats-types.js';
export type * from './spec/types.js';
export { compilePlan, compileExecPlan, type CompileContext } from './plan/compile.js';
export { encodePlan, decodePlan } from './plan/encode.js';
export { compileSeccomp, seccompProblems, type CompiledSeccomp, type SeccompCompileOptions } from './seccomp/index.js';
export { compileSeccompCached, warmSeccomp } from './seccomp/compile-cache.js';
export type { PlanOp } from './plan/ops.js';
export {
  createCgroupManager,
  detectCgroups,
  detectLayout,
  CgroupV1Manager,
  CgroupV2Manager,
  CgroupHybridManager,
  compileDeviceFilter,
  DEFAULT_ALLOWED_DEVICES,
  type DeviceFilterAttacher,
  type CgroupManager,
  type CgroupLayout,
  type CgroupMode,
} from './cgroups/index.js';
export { ConsoleSocket } from './terminal/console-socket.js';
export type { TerminalDelivery } from './terminal/console.js';
export { runHook, runHooks, type HookState, type HookKind } from './hooks/run-hook.js';
