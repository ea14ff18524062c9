import type { LinuxDevice, Spec } from '../types.js';
import type { SpecOpt } from './spec-opt.js';

const ACCESS = /^[rwm]{1,3}$/;

function addDevices(spec: Spec, devices: readonly LinuxDevice[]): void {
  const paths = new Set(devices.map((d) => d.path));
  spec.linux = { ...spec.linux, devices: [...(spec.linux?.devices ?? []).filter((d) => !paths.has(d.path)), ...devices.map((d) => ({ ...d }))] };
}

/**
 * Creates device nodes in the container (Docker's --device) and allows them
 * in the device cgroup with `access` (r, w, m: read, write, mknod).
 */
export function withDevices(devices: readonly LinuxDevice[], access = 'rwm'): SpecOpt {
  if (!ACCESS.test(access)) throw new Error(`withDevices: invalid cgroup access ${JSON.stringify(access)} (expected letters of rwm)`);
  for (const d of devices) {
    if (!d.path.startsWith('/dev/')) throw new Error(`withDevices: the device path '${d.path}' is not under /dev`);
    if (!['c', 'b', 'u', 'p'].includes(d.type)) throw new Error(`withDevices: ${d.path} has unknown type ${JSON.stringify(d.type)} (expected c, b, u or p)`);
  }
  return (spec) => {
    addDevices(spec, devices);
    const rules = devices.filter((d) => d.type !== 'p').map((d) => ({ allow: true, type: d.type === 'u' ? 'c' : d.type, major: d.major, minor: d.minor, access }));
    const resources = spec.linux!.resources ?? {};
    spec.linux!.resources = { ...resources, devices: [...(resources.devices ?? []), ...rules] };
  };
}

/** Every device of the host (what --privileged gives): the nodes are created and the device cgroup allows everything. */
export function withAllDevices(hostDevices: readonly LinuxDevice[]): SpecOpt {
  return (spec) => {
    spec.linux = { ...spec.linux, devices: hostDevices.map((d) => ({ ...d })) };
    spec.linux.resources = { ...spec.linux.resources, devices: [{ allow: true, access: 'rwm' }] };
  };
}
