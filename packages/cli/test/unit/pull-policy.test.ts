import { describe, expect, it } from 'vitest';
import { CeError } from '@ce/protocol';
import { isNoSuchImage, parsePullPolicy, unableToFind } from '../../src/pull-policy.js';

describe('--pull', () => {
  it('takes always, missing and never, missing by default', () => {
    expect(parsePullPolicy(undefined)).toBe('missing');
    expect(parsePullPolicy('always')).toBe('always');
    expect(parsePullPolicy('never')).toBe('never');
  });
  it('refuses anything else in later Docker words (20.10 took them as never)', () => {
    expect(() => parsePullPolicy('Always')).toThrow(`invalid pull option: 'Always': must be one of "always", "missing" or "never"`);
  });
  it('pulls only on the daemon saying the image is not there', () => {
    expect(isNoSuchImage(new CeError('NotFound', 'No such image: x:latest'))).toBe(true);
    expect(isNoSuchImage(new CeError('NotFound', 'No such container: x'))).toBe(false);
  });
  it('names the image as docker does: familiar and tagged', () => {
    expect(unableToFind('busybox')).toBe("Unable to find image 'busybox:latest' locally\n");
    expect(unableToFind('docker.io/library/busybox')).toBe("Unable to find image 'busybox:latest' locally\n");
    expect(unableToFind('127.0.0.1:5000/ce/x:1')).toBe("Unable to find image '127.0.0.1:5000/ce/x:1' locally\n");
  });
});
