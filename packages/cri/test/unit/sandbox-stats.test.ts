import { describe, expect, it } from 'vitest';
import { parseNetDev } from '../../src/sandbox/sandbox-stats.js';

describe('/proc/<pid>/net/dev', () => {
  it("gives each interface's received and sent bytes and errors, loopback left out", () => {
    const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     120       2    0    0    0     0          0         0      120       2    0    0    0     0       0          0
  eth0:    9876      40    3    0    0     0          0         0     5432      30    1    0    0     0       0          0
`;
    expect(parseNetDev(text)).toEqual([{ name: 'eth0', rxBytes: { value: 9876n }, rxErrors: { value: 3n }, txBytes: { value: 5432n }, txErrors: { value: 1n } }]);
  });
});
