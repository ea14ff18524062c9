import { attachCgroupDeviceFilter } from '@ce/native';
import { DEVICE_FILTER_LICENSE } from './compile.js';

/** Puts a compiled device program on a cgroup v2 directory, replacing the one there; the native one in production, a fake in unit tests. */
export type DeviceFilterAttacher = (cgroupDir: string, program: Buffer, license: string) => void;

export const attachWithBpf: DeviceFilterAttacher = (cgroupDir, program, license) => {
  attachCgroupDeviceFilter(cgroupDir, program, license);
};

/** Attaches a program compiled by compileDeviceFilter; a failure names the cgroup. */
export function attachDeviceProgram(attach: DeviceFilterAttacher, cgroupDir: string, program: Buffer): void {
  try {
    attach(cgroupDir, program, DEVICE_FILTER_LICENSE);
  } catch (err) {
    throw Object.assign(new Error(`linux.resources.devices: attach the device filter to ${cgroupDir}: ${(err as Error).message}`), { cause: err });
  }
}

export { compileDeviceFilter, compileRuleSet, DEVICE_FILTER_LICENSE } from './compile.js';
export { decodeProgram, encodeProgram, OP, type EbpfInsn } from './ebpf.js';
export * from './rule-set.js';
