// Services in the order up starts them: each after the services it depends
// on (depends_on, network_mode: service:x), as docker-compose sorts them.
import { ComposeError } from './compose-error.js';
import type { ServiceConfig } from './model.js';

export function dependenciesOf(service: ServiceConfig): string[] {
  const deps = Object.keys(service.depends_on);
  if (service.network_mode?.startsWith('service:')) deps.push(service.network_mode.slice(8));
  return deps;
}

export function startOrder(services: ServiceConfig[]): ServiceConfig[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const done = new Set<string>();
  const visiting: string[] = [];
  const out: ServiceConfig[] = [];
  const visit = (s: ServiceConfig) => {
    if (done.has(s.name)) return;
    if (visiting.includes(s.name)) {
      const cycle = [...visiting.slice(visiting.indexOf(s.name)), s.name];
      throw new ComposeError(`Circular dependency between ${cycle.join(' and ')}`);
    }
    visiting.push(s.name);
    for (const dep of dependenciesOf(s)) {
      const d = byName.get(dep);
      if (d) visit(d);
    }
    visiting.pop();
    done.add(s.name);
    out.push(s);
  };
  for (const s of services) visit(s);
  return out;
}

/** The named services and, unless `noDeps`, everything they depend on. */
export function withDependencies(all: ServiceConfig[], names: string[], noDeps = false): ServiceConfig[] {
  if (!names.length) return all;
  const byName = new Map(all.map((s) => [s.name, s]));
  for (const n of names) if (!byName.has(n)) throw new ComposeError(`No such service: ${n}`);
  const wanted = new Set<string>();
  const add = (n: string) => {
    if (wanted.has(n)) return;
    wanted.add(n);
    if (!noDeps) for (const d of dependenciesOf(byName.get(n)!)) add(d);
  };
  names.forEach(add);
  return all.filter((s) => wanted.has(s.name));
}
