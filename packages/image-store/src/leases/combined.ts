import type { Lease, LeaseResource } from './types.js';

/**
 * One lease over several: each resource is added to all of them, and release
 * ends all of them. The store's own lease (the one gc and check consult) is
 * always among them, whatever extra lease manager a caller brings.
 */
export function combinedLease(leases: Lease[]): Lease {
  return {
    id: leases.map((l) => l.id).join('+'),
    async add(resource: LeaseResource) {
      for (const lease of leases) await lease.add(resource);
    },
    // Last to first: the first lease (the store's own) protects everything until the others are gone.
    async release() {
      let failure: unknown;
      for (const lease of [...leases].reverse()) {
        try {
          await lease.release();
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
    },
  };
}
