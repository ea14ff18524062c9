import { expect, it } from 'vitest';
import { updateRequest } from '../../src/commands/update.js';

it("turns ce update's flags into the API's Resources and NanoCPUs, with Docker's flag errors", () => {
  expect(() => updateRequest({ memory: 'lots' })).toThrow(`invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'`);
  expect(() => updateRequest({ pidsLimit: 'ten' })).toThrow(`invalid argument "ten" for "--pids-limit" flag: strconv.ParseInt: parsing "ten": invalid syntax`);
  expect(() => updateRequest({ cpus: 'abc' })).toThrow(`invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number`);
  expect(updateRequest({ memory: '64m', memorySwap: '-1', cpus: '0.5', pidsLimit: '20', cpusetCpus: '0' })).toEqual({
    resources: { memory: 64 * 1024 * 1024, memorySwap: -1, pidsLimit: 20, cpusetCpus: '0' },
    nanoCpus: 500_000_000,
    given: 5,
  });
  expect(updateRequest({}).given).toBe(0);
});
