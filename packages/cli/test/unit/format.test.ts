import { describe, expect, it } from 'vitest';
import { repositoryAndTag } from '../../src/commands/images.js';
import { daemonErrorMessage, registryCommandErrorMessage, startFailureExitCode, withPeriod } from '../../src/errors.js';
import { humanDuration, humanSize, table } from '../../src/humanize.js';
import { withDefaultTag } from '../../src/image-ref.js';
import { CeError } from '@ce/protocol';

describe('docker-style formatting', () => {
  it('prints durations as docker does', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(45_000)).toBe('45 seconds');
    expect(humanDuration(90_000)).toBe('About a minute');
    expect(humanDuration(10 * 60_000)).toBe('10 minutes');
    expect(humanDuration(3 * 3600_000)).toBe('3 hours');
    expect(humanDuration(3 * 86400_000)).toBe('3 days');
  });
  it('prints sizes with three significant digits in decimal units', () => {
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(13_256)).toBe('13.3kB');
    expect(humanSize(1_200_000)).toBe('1.2MB');
  });
  it('aligns columns', () => {
    expect(table([['A', 'BB'], ['ccc', 'd']])).toBe('A     BB\nccc   d\n');
  });
  it('adds :latest to tag-less references only', () => {
    expect(withDefaultTag('x')).toBe('x:latest');
    expect(withDefaultTag('localhost:5000/x')).toBe('localhost:5000/x:latest');
    expect(withDefaultTag('x:1')).toBe('x:1');
    expect(withDefaultTag('x@sha256:abc')).toBe('x@sha256:abc');
  });
  it('shows familiar repository names', () => {
    expect(repositoryAndTag('docker.io/library/hello-world:latest')).toEqual(['hello-world', 'latest']);
    expect(repositoryAndTag('docker.io/me/app:v1')).toEqual(['me/app', 'v1']);
    expect(repositoryAndTag('localhost:5000/app')).toEqual(['localhost:5000/app', '<none>']);
  });
});

describe('errors', () => {
  it('words daemon errors as docker does', () => {
    expect(daemonErrorMessage(new CeError('NotFound', 'No such container: x'), 'unix:///s')).toBe('Error response from daemon: No such container: x');
    // Trimmed, as the docker client trims the daemon's message.
    expect(daemonErrorMessage(new CeError('Internal', 'Error processing tar file(unexpected EOF): '), 'unix:///s')).toBe('Error response from daemon: Error processing tar file(unexpected EOF):');
    expect(withPeriod('Error response from daemon: No such image: x:latest')).toBe('Error response from daemon: No such image: x:latest.');
    expect(daemonErrorMessage(new CeError('Unavailable', 'connect ECONNREFUSED'), 'unix:///s')).toBe(
      'Cannot connect to the ce daemon at unix:///s. Is the ced daemon running?',
    );
  });
  it('tells a user who may not open the socket that permission was denied, not that ced is down', () => {
    const denied = new CeError('Unavailable', 'cannot reach unix:///s: No connection established. Last error: Error: connect EACCES /s. Resolution note: ');
    expect(daemonErrorMessage(denied, 'unix:///s', () => undefined)).toBe('permission denied while trying to connect to the ce daemon socket at unix:///s: connect: permission denied');
    expect(daemonErrorMessage(denied, 'unix:///s', () => 'ce')).toBe(
      'permission denied while trying to connect to the ce daemon socket at unix:///s: connect: permission denied (is the user in the "ce" group?)',
    );
    expect(registryCommandErrorMessage(denied, 'unix:///s')).toBe(daemonErrorMessage(denied, 'unix:///s'));
  });
  it('maps start failures to 127, 126 and 125', () => {
    const launch = (errno: string) => new CeError('FailedPrecondition', 'any wording', { op: 'exec', errno, path: 'x' });
    expect(startFailureExitCode(launch('ENOENT'))).toBe(127);
    expect(startFailureExitCode(launch('EACCES'))).toBe(126);
    expect(startFailureExitCode(launch('ELOOP'))).toBe(125);
    // the wording alone decides nothing
    expect(startFailureExitCode(new Error('exec: "nope": executable file not found in $PATH'))).toBe(125);
    expect(startFailureExitCode(new Error('mount failed'))).toBe(125);
  });
});
