// Device access on cgroup v2 (native/bpf_device.cc): the devices controller has
// no files there; an eBPF program attached to the cgroup decides each access.
import { loadBinding } from './load.js';
import { SyscallError } from './syscall-error.js';

interface BpfDeviceBinding {
  attachCgroupDeviceFilter(cgroupDir: string, insns: Buffer, license: string): number;
  cgroupDeviceFilters(cgroupDir: string): number[];
}

const binding = (): BpfDeviceBinding => loadBinding() as unknown as BpfDeviceBinding;

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw SyscallError.from(err);
  }
}

/**
 * Loads `insns` (little-endian 8-byte `struct bpf_insn`s) as a
 * BPF_PROG_TYPE_CGROUP_DEVICE program, attaches it to the cgroup directory
 * `cgroupDir` (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), then detaches the device
 * programs attached to that cgroup before — so the cgroup is never without a
 * filter, and for a moment both apply (each must allow). Returns the new
 * program's id. A program the verifier rejects fails with the verifier's log
 * in the message.
 */
export function attachCgroupDeviceFilter(cgroupDir: string, insns: Buffer, license = 'Apache'): number {
  return call(() => binding().attachCgroupDeviceFilter(cgroupDir, insns, license));
}

/** Ids of the device programs attached to the cgroup directory itself (BPF_PROG_QUERY; its ancestors' are not listed). */
export function cgroupDeviceFilters(cgroupDir: string): number[] {
  return call(() => binding().cgroupDeviceFilters(cgroupDir));
}
