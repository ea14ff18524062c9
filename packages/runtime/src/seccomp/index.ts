export { compileSeccomp, actionValue, SECCOMP_RET, type CompiledSeccomp, type SeccompCompileOptions } from './compile.js';
export { seccompProblems, SECCOMP_FLAGS } from './validate.js';
export { ARCHES, nativeArch, X32_SYSCALL_BIT, type SeccompArch } from './arch.js';
export { decodeProgram, encodeProgram, BPF_MAXINSNS, type Insn } from './bpf.js';
