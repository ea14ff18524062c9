import { attachCgroupDeviceFilter } from '@ce/native';
import type { LinuxDeviceCgroup } from '../../spec/types.js';
import { compileDeviceFilter, DEVICE_FILTER_LICENSE } from './compile.js';

/** Puts a compiled device program on a cgroup v2 directory, replacing the one there; the native one in production, a fake in unit tests. */
export type DeviceFilterAttacher = (cgroupDir: string, program: Buffer, license: string) => void;

export const attachWithBpf: DeviceFilterAttacher = (cgroupDir, program, license) => {
  attachCgroupDeviceFilter(cgroupDir, program, license);
};

/**
 * Compiles `devices` (plus the default allowed devices) and attaches the
 * program to `cgroupDir`. Bad rules throw before anything is attached.
 */
export function setDeviceFilter(attach: DeviceFilterAttacher, cgroupDir: string, devices: readonly LinuxDeviceCgroup[]): void {
  const program = compileDeviceFilter(devices);
  try {
    attach(cgroupDir, program, DEVICE_FILTER_LICENSE);
  } catch (err) {
    throw Object.assign(new Error(`linux.resources.devices: attach the device filter to ${cgroupDir}: ${(err as Error).message}`), { cause: err });
  }
}

export { compileDeviceFilter, compileRuleSet, DEVICE_FILTER_LICENSE } from './compile.js';
export { decodeProgram, encodeProgram, OP, type EbpfInsn } from './ebpf.js';
export * from './rule-set.js';
