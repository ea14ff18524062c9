import { describe, expect, it } from 'vitest';
import { detachMountsAbove, topMountAt } from '../../src/state/host-rootfs-mount.js';

const line = (id: number, parent: number, mp: string) => `${id} ${parent} 0:5${id} / ${mp} rw,relatime - ext4 /dev/vda rw`;

describe('host rootfs mounts (a container without a mount namespace)', () => {
  it('finds the topmost of the mounts stacked on a path, with octal escapes', () => {
    const info = [line(26, 1, '/'), line(40, 26, '/srv/b\\040x/rootfs'), line(41, 40, '/srv/b\\040x/rootfs'), line(42, 41, '/srv/b\\040x/rootfs/proc')].join('\n');
    expect(topMountAt('/srv/b x/rootfs', info)).toBe(41);
    expect(topMountAt('/srv/b x/rootfs/proc', info)).toBe(42);
    expect(topMountAt('/srv/other', info)).toBe(0);
  });

  it('detaches down to the mount that was there before the container, and no further', () => {
    const table = [line(26, 1, '/'), line(40, 26, '/r'), line(41, 40, '/r'), line(43, 41, '/r/proc')];
    const detached: string[] = [];
    const read = () => table.join('\n');
    const detach = (p: string) => {
      detached.push(p);
      // MNT_DETACH takes the top mount at p and everything below it
      const top = topMountAt(p, read());
      for (let i = table.length - 1; i >= 0; i--) if (table[i]!.startsWith(`${top} `) || table[i]!.split(' ')[1] === String(top)) table.splice(i, 1);
    };
    expect(detachMountsAbove('/r', 40, read, detach)).toBe(1);
    expect(detached).toEqual(['/r']);
    expect(table).toEqual([line(26, 1, '/'), line(40, 26, '/r')]);
    // the rootfs was no mount point before: everything at /r goes
    expect(detachMountsAbove('/r', 0, read, detach)).toBe(1);
    expect(detachMountsAbove('/r', 0, read, detach)).toBe(0);
  });

  it('gives up with the path named when a mount will not go', () => {
    const read = () => [line(26, 1, '/'), line(41, 26, '/r')].join('\n');
    expect(() => detachMountsAbove('/r', 0, read, () => {})).toThrow('/r: still has mounts stacked on it after 16 detaches');
  });
});
