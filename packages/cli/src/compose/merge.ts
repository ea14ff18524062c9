// The Compose specification's merge of one service across files (-f a -f b):
// mappings merged key by key, command/entrypoint/healthcheck.test replaced,
// ports and the other sequences of unique values joined, volumes merged by
// their mount path, scalars replaced.
import { mergeBuild } from './build-config.js';
import type { ServiceNetwork } from './model.js';
import type { ServiceFields } from './normalize-service.js';

const UNIQUE_SEQUENCES = ['expose', 'dns', 'dns_search', 'tmpfs', 'cap_add', 'cap_drop', 'extra_hosts', 'security_opt'] as const;
const MAPPINGS = ['environment', 'labels', 'sysctls', 'depends_on'] as const;

export function mergeService(base: ServiceFields, override: ServiceFields): ServiceFields {
  const out: ServiceFields = { ...base, ...override };
  for (const key of MAPPINGS) if (base[key] && override[key]) out[key] = { ...base[key], ...override[key] } as never;
  for (const key of UNIQUE_SEQUENCES) if (base[key] && override[key]) out[key] = [...new Set([...base[key]!, ...override[key]!])];
  if (base.ports && override.ports) {
    const seen = new Set(base.ports.map((p) => JSON.stringify(p)));
    out.ports = [...base.ports, ...override.ports.filter((p) => !seen.has(JSON.stringify(p)))];
  }
  if (base.volumes && override.volumes) {
    const byTarget = new Map(base.volumes.map((v) => [v.target, v]));
    for (const v of override.volumes) byTarget.set(v.target, v);
    out.volumes = [...byTarget.values()];
  }
  if (base.networks && override.networks) {
    const networks: Record<string, ServiceNetwork | null> = { ...base.networks };
    for (const [name, settings] of Object.entries(override.networks)) {
      networks[name] = base.networks[name] && settings ? { ...base.networks[name], ...settings } : (settings ?? base.networks[name] ?? null);
    }
    out.networks = networks;
  }
  if (base.healthcheck && override.healthcheck) out.healthcheck = { ...base.healthcheck, ...override.healthcheck };
  if (base.build && override.build) out.build = mergeBuild(base.build, override.build);
  if (base.other && override.other) out.other = { ...base.other, ...override.other };
  return out;
}
