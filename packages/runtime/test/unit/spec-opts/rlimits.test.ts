import { expect, it } from 'vitest';
import { buildSpecSync, withRlimits } from '../../../src/spec/index.js';

it('withRlimits replaces a limit of the same type and keeps the others', () => {
  const spec = buildSpecSync([withRlimits([{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }, { type: 'RLIMIT_NPROC', soft: 5, hard: 5 }])]);
  expect(spec.process!.rlimits).toEqual([
    { type: 'RLIMIT_NOFILE', soft: 10, hard: 20 },
    { type: 'RLIMIT_NPROC', soft: 5, hard: 5 },
  ]);
  expect(buildSpecSync([withRlimits([{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }])]).process!.rlimits).toEqual([
    { type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 },
    { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
  ]);
});

it('withRlimits refuses an unknown type and a soft limit above the hard one', () => {
  expect(() => withRlimits([{ type: 'NOFILE', soft: 1, hard: 1 }])).toThrow('withRlimits: unknown rlimit type "NOFILE" (expected RLIMIT_*)');
  expect(() => withRlimits([{ type: 'RLIMIT_NOFILE', soft: 2, hard: 1 }])).toThrow('withRlimits: RLIMIT_NOFILE soft limit 2 is above its hard limit 1');
});
