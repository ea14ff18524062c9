export type * from './dockerfile/types.js';
