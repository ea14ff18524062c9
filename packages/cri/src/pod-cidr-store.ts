import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { invalidArgument } from '@ce/protocol';

/**
 * The pod CIDRs the kubelet gives with UpdateRuntimeConfig, kept in a file so
 * that a restarted ce-cri still has them (the kubelet sends them once, when
 * the node gets its range).
 */
export class PodCidrStore {
  private cidrs: string[] = [];

  private constructor(private readonly file: string) {}

  static async open(file: string): Promise<PodCidrStore> {
    const store = new PodCidrStore(file);
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as { podCidrs?: unknown };
      if (Array.isArray(saved.podCidrs)) store.cidrs = saved.podCidrs.filter((c): c is string => typeof c === 'string');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return store;
  }

  get podCidrs(): readonly string[] {
    return this.cidrs;
  }

  /** "10.244.1.0/24" or "10.244.1.0/24,fd00:1::/64"; empty leaves the stored ones, as containerd. */
  async update(podCidr: string): Promise<void> {
    if (!podCidr.trim()) return;
    const cidrs = podCidr.split(',').map((c) => c.trim());
    for (const cidr of cidrs) checkCidr(cidr);
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const staging = `${this.file}.tmp-${process.pid}`;
    await writeFile(staging, JSON.stringify({ podCidrs: cidrs }) + '\n', { mode: 0o600 });
    await rename(staging, this.file);
    this.cidrs = cidrs;
  }
}

function checkCidr(cidr: string): void {
  const [address = '', prefix, extra] = cidr.split('/');
  const family = isIP(address);
  const bits = Number(prefix);
  const max = family === 6 ? 128 : 32;
  if (!family || extra !== undefined || !/^\d+$/.test(prefix ?? '') || bits > max) {
    throw invalidArgument(`pod CIDR ${JSON.stringify(cidr)} is not an IPv4 or IPv6 network in CIDR notation (e.g. 10.244.0.0/24)`);
  }
}
