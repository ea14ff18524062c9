import { describe, expect, it } from 'vitest';
import { ALL_CAPABILITIES, capabilitiesFromMask, DEFAULT_CAPABILITIES, normalizeCapability, tweakCapabilities } from '../../src/spec/index.js';

describe('capabilities', () => {
  it('normalizes names with or without CAP_ and in any case; refuses unknown names by name', () => {
    expect(normalizeCapability('net_raw')).toBe('CAP_NET_RAW');
    expect(normalizeCapability('CAP_SYS_ADMIN')).toBe('CAP_SYS_ADMIN');
    expect(normalizeCapability('all')).toBe('ALL');
    expect(() => normalizeCapability('FLY')).toThrow('unknown capability: "CAP_FLY"');
  });

  it('computes --cap-add/--cap-drop as docker does', () => {
    const all = ALL_CAPABILITIES;
    expect(tweakCapabilities(DEFAULT_CAPABILITIES, all, {})).toEqual(DEFAULT_CAPABILITIES);
    expect(tweakCapabilities(DEFAULT_CAPABILITIES, all, { drop: ['ALL'], add: ['NET_RAW'] })).toEqual(['CAP_NET_RAW']);
    expect(tweakCapabilities(DEFAULT_CAPABILITIES, all, { add: ['ALL'], drop: ['sys_admin'] })).toEqual(all.filter((c) => c !== 'CAP_SYS_ADMIN'));
    const tweaked = tweakCapabilities(DEFAULT_CAPABILITIES, all, { add: ['SYS_ADMIN'], drop: ['CAP_CHOWN'] });
    expect(tweaked).toContain('CAP_SYS_ADMIN');
    expect(tweaked).not.toContain('CAP_CHOWN');
    expect(tweakCapabilities(DEFAULT_CAPABILITIES, ['CAP_CHOWN'], { privileged: true, add: ['NET_ADMIN'] })).toEqual(['CAP_CHOWN']);
    expect(() => tweakCapabilities(DEFAULT_CAPABILITIES, all, { add: ['NOPE'] })).toThrow('unknown capability: "CAP_NOPE"');
  });

  it('reads a CapBnd mask', () => {
    expect(capabilitiesFromMask('0000000000000003')).toEqual(['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
    expect(capabilitiesFromMask('000001ffffffffff')).toEqual(ALL_CAPABILITIES);
    expect(ALL_CAPABILITIES).toHaveLength(41);
  });
});
