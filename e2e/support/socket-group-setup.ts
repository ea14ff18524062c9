// ced adds the "ce" group for its socket when it is missing (as docker's package adds "docker"):
// a test run that made it removes it at the end, leaving the host as it found it.
import { spawnSync } from 'node:child_process';

const hasGroup = () => spawnSync('getent', ['group', 'ce']).status === 0;

export default function setup(): () => void {
  const existed = hasGroup();
  return () => {
    if (!existed && hasGroup()) spawnSync('groupdel', ['ce']);
  };
}
