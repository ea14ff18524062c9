// Device nodes and fifos for `ce cp` out of a container: Node has no mknod(2)
// and the CLI loads no native code, so coreutils' mknod(1) makes them, as
// the docker CLI's archive package does with the syscall (devices need root).
import { execFile } from 'node:child_process';
import type { SpecialFile } from '@ce/protocol/copy';

const TYPE_LETTER = { 'character-device': 'c', 'block-device': 'b', fifo: 'p' } as const;

export function mknodCommand(path: string, node: SpecialFile): Promise<void> {
  const args = ['-m', node.mode.toString(8), path, TYPE_LETTER[node.type], ...(node.type === 'fifo' ? [] : [String(node.major), String(node.minor)])];
  return new Promise((resolve, reject) => {
    execFile('mknod', args, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'mknod(1) is not installed' : stderr.trim().replace(/^mknod: /, '') || err.message;
      reject(new Error(`cannot create ${node.type} ${path}: ${why}`));
    });
  });
}
