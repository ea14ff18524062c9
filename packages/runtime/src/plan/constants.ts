// Linux numbers the plan carries: the shared ones (spec/linux-constants.ts)
// and the mount flags of the addon.

export { MS } from '@ce/native';
export * from '../spec/linux-constants.js';
