import type { ContainerState } from '../../spec/types.js';
import { type Command, stateOf } from '../command.js';
import { out } from '../output.js';

/** runc's state JSON, in its field order; annotations only when there are some. */
export function runcState(s: ContainerState, owner = ''): Record<string, unknown> {
  const o: Record<string, unknown> = {
    ociVersion: s.ociVersion,
    id: s.id,
    pid: s.pid,
    status: s.status,
    bundle: s.bundle,
    rootfs: s.rootfs ?? '',
    created: s.created,
    owner,
  };
  if (s.annotations && Object.keys(s.annotations).length) o.annotations = s.annotations;
  return o;
}

export const state: Command = {
  name: 'state',
  usage: '<container-id>',
  description: 'output the state of a container',
  flags: [],
  args: { exact: 1 },
  async run(ctx, { args }) {
    out(`${JSON.stringify(runcState(await stateOf(ctx, args[0]!)), null, '  ')}\n`);
    return 0;
  },
};
