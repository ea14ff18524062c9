import type { Platform } from './types.js';

/** Node's process.arch → GOARCH, the names OCI platforms use. */
const GOARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

export function goArch(nodeArch: string = process.arch): string {
  return GOARCH[nodeArch] ?? nodeArch;
}

/** The platform of this machine: linux/amd64, linux/arm64/v8… */
export function defaultPlatform(): Platform {
  const architecture = goArch();
  const platform: Platform = { os: 'linux', architecture };
  if (architecture === 'arm64') platform.variant = 'v8';
  if (architecture === 'arm') {
    const v = (process.config.variables as { arm_version?: string }).arm_version;
    platform.variant = `v${v ?? '7'}`;
  }
  return platform;
}

export function formatPlatform(p: Pick<Platform, 'os' | 'architecture' | 'variant'>): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** "linux/arm64/v8" → a Platform. */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new Error(`invalid platform "${s}": expected os/arch[/variant]`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

const normVariant = (p: Pick<Platform, 'architecture' | 'variant'>): string => {
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  return '';
};

/**
 * How well `candidate` fits `wanted`: -1 when it cannot run, higher is better
 * (an exact variant beats an unspecified one; an arm v7 host runs v6 and v5).
 */
export function platformScore(wanted: Platform, candidate: Pick<Platform, 'os' | 'architecture' | 'variant'> | undefined): number {
  if (!candidate || candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return -1;
  const want = normVariant(wanted);
  const have = normVariant(candidate);
  if (want === have) return 3;
  if (!candidate.variant) return 2;
  if (wanted.architecture === 'arm' && /^v\d$/.test(want) && /^v\d$/.test(have) && have < want) return 1;
  return -1;
}

export const platformMatches = (wanted: Platform, candidate: Platform | undefined): boolean =>
  platformScore(wanted, candidate) >= 0;
