import { expect, it } from 'vitest';
import { flagValueError, parseNanoCpus, parseRamSize, parseSwapSize } from '../../src/units.js';
import { updateRequest } from '../../src/commands/update.js';

it("parses sizes as Docker's RAMInBytes: binary multiples, bytes without a unit", () => {
  expect(parseRamSize('512m')).toBe(512 * 1024 * 1024);
  expect(parseRamSize('1g')).toBe(1024 ** 3);
  expect(parseRamSize('1GiB')).toBe(1024 ** 3);
  expect(parseRamSize('1.5k')).toBe(1536);
  expect(parseRamSize('4096')).toBe(4096);
  expect(parseRamSize('10 MB')).toBe(10 * 1024 * 1024);
  for (const bad of ['x', '-1', '1q', '', '1.5.5kk']) expect(() => parseRamSize(bad)).toThrow(`invalid size: '${bad}'`);
  expect(parseSwapSize('-1')).toBe(-1);
  expect(parseSwapSize('1g')).toBe(1024 ** 3);
});

it('parses --cpus as billionths of a CPU, refusing what Docker refuses', () => {
  expect(parseNanoCpus('0.5')).toBe(500_000_000);
  expect(parseNanoCpus('1.5')).toBe(1_500_000_000);
  expect(parseNanoCpus('2')).toBe(2_000_000_000);
  expect(parseNanoCpus('.25')).toBe(250_000_000);
  expect(() => parseNanoCpus('abc')).toThrow('failed to parse abc as a rational number');
  expect(() => parseNanoCpus('0.0000000001')).toThrow('value is too precise');
});

it("words a bad flag value as Docker's flag parser does", () => {
  expect(flagValueError('-m, --memory', 'x', new Error("invalid size: 'x'"))).toBe(`invalid argument "x" for "-m, --memory" flag: invalid size: 'x'`);
  expect(() => updateRequest({ memory: 'lots' })).toThrow(`invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'`);
  expect(() => updateRequest({ pidsLimit: 'ten' })).toThrow(`invalid argument "ten" for "--pids-limit" flag: strconv.ParseInt: parsing "ten": invalid syntax`);
  expect(updateRequest({ memory: '64m', memorySwap: '-1', cpus: '0.5', pidsLimit: '20', cpusetCpus: '0' })).toEqual({
    resources: { memory: 64 * 1024 * 1024, memorySwap: -1, pidsLimit: 20, cpusetCpus: '0' },
    nanoCpus: 500_000_000,
    given: 5,
  });
  expect(updateRequest({}).given).toBe(0);
});
