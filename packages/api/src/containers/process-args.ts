import { invalidArgument } from '@ce/protocol';
import type { HealthConfig } from './model/docker-types.js';

/** The part of an OCI image config's `config` that decides what a container runs. */
export interface ImageRunConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
}

/**
 * Docker's rule: an entrypoint given at create replaces the image's and drops
 * the image's command; a command given at create replaces the image's command.
 */
export function resolveArgs(image: ImageRunConfig, entrypoint: string[] | undefined, cmd: string[] | undefined): string[] {
  const ep = entrypoint ?? image.Entrypoint ?? [];
  const command = cmd ?? (entrypoint ? [] : (image.Cmd ?? []));
  const args = [...ep, ...command];
  if (args.length === 0) throw invalidArgument('No command specified');
  return args;
}

/** Image env first, then the user's, a later KEY replacing an earlier one. */
export function mergeEnv(...lists: (readonly string[] | null | undefined)[]): string[] {
  const byKey = new Map<string, string>();
  for (const list of lists) {
    for (const entry of list ?? []) {
      const eq = entry.indexOf('=');
      const key = eq < 0 ? entry : entry.slice(0, eq);
      if (!key) throw invalidArgument(`invalid environment variable: ${entry}`);
      if (eq < 0) continue; // `-e NAME` without a value takes the client's value; the CLI resolves it
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()];
}
