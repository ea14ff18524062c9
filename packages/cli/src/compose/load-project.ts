// The whole load: files found, parsed, interpolated, checked against the
// Compose schema, normalised, merged, and their references checked.
import { ComposeError } from './compose-error.js';
import { interpolateEntry, interpolateValue, isMapping, type Lookup } from './interpolate.js';
import { completeBuild } from './build-config.js';
import { mergeService } from './merge.js';
import type { ComposeProject, NetworkConfig, ServiceConfig, VolumeConfig } from './model.js';
import { normalizeService, listOrDict, type ServiceFields } from './normalize-service.js';
import { parseComposeFile, shownPath } from './parse-file.js';
import { projectFiles, type ProjectOptions } from './project-files.js';
import { schemaProblems } from './schema-errors.js';

/** What docker-compose 1.29 takes a file without `version` for (the Compose specification). */
const DEFAULT_VERSION = '3.9';

const SECTION_WORDS: Record<string, string> = { services: 'service', volumes: 'volume', networks: 'network', secrets: 'secret', configs: 'config' };

export function loadProject(options: ProjectOptions, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): ComposeProject {
  const where = projectFiles(options, cwd, env);
  const lookup: Lookup = (name) => where.environment[name];
  const services = new Map<string, ServiceFields>();
  const volumes: Record<string, Record<string, unknown>> = {};
  const networks: Record<string, Record<string, unknown>> = {};
  let version: string | undefined;
  for (const file of where.files) {
    const document = interpolateDocument(parseComposeFile(file, cwd), lookup);
    if (document.version !== undefined) version ??= String(document.version);
    const problems = schemaProblems(document);
    if (problems.length) throw new ComposeError(`The Compose file '${shownPath(file, cwd)}' is invalid because:\n${problems.join('\n')}`);
    for (const [name, raw] of Object.entries((document.services ?? {}) as Record<string, Record<string, unknown>>)) {
      const fields = normalizeService(name, raw ?? {}, where.workingDir);
      const before = services.get(name);
      services.set(name, before ? mergeService(before, fields) : fields);
    }
    for (const [name, raw] of Object.entries((document.volumes ?? {}) as Record<string, Record<string, unknown> | null>)) volumes[name] = { ...volumes[name], ...(raw ?? {}) };
    for (const [name, raw] of Object.entries((document.networks ?? {}) as Record<string, Record<string, unknown> | null>)) networks[name] = { ...networks[name], ...(raw ?? {}) };
  }
  const project: ComposeProject = {
    name: where.name,
    workingDir: where.workingDir,
    configFiles: where.files,
    services: [...services].map(([name, fields]) => completeService(name, fields, where)),
    volumes: Object.fromEntries(Object.entries(volumes).map(([k, v]) => [k, volumeConfig(where.name, k, v)])),
    networks: Object.fromEntries(Object.entries(networks).map(([k, v]) => [k, networkConfig(where.name, k, v)])),
    version: version ?? DEFAULT_VERSION,
    environment: where.environment,
  };
  if (project.services.some((s) => !s.network_mode && Object.keys(s.networks).includes('default')) || project.services.some((s) => !s.network_mode && !Object.keys(s.networks).length)) {
    project.networks.default ??= networkConfig(where.name, 'default', {});
  }
  checkReferences(project);
  return project;
}

function interpolateDocument(document: Record<string, unknown>, lookup: Lookup): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    const section = SECTION_WORDS[key];
    if (section && isMapping(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, interpolateEntry(section, name, entry, lookup)]));
    else out[key] = key === 'version' ? value : interpolateValue(value, lookup);
  }
  return out;
}

function completeService(name: string, f: ServiceFields, where: { workingDir: string; environment: Record<string, string> }): ServiceConfig {
  return {
    name,
    ...f,
    ...(f.build ? { build: completeBuild(f.build, where.workingDir, where.environment) } : {}),
    environment: f.environment ?? {},
    ports: f.ports ?? [],
    expose: f.expose ?? [],
    volumes: f.volumes ?? [],
    networks: f.network_mode ? {} : f.networks ?? { default: null },
    ...(!f.network_mode && !f.networks ? { defaultNetworkImplied: true as const } : {}),
    depends_on: f.depends_on ?? {},
    labels: f.labels ?? {},
    cap_add: f.cap_add ?? [],
    cap_drop: f.cap_drop ?? [],
    extra_hosts: f.extra_hosts ?? [],
    dns: f.dns ?? [],
    dns_search: f.dns_search ?? [],
    tmpfs: f.tmpfs ?? [],
    security_opt: f.security_opt ?? [],
    sysctls: f.sysctls ?? {},
    other: f.other ?? {},
  };
}

function externalName(key: string, raw: Record<string, unknown>): string | undefined {
  const external = raw.external;
  if (!external) return undefined;
  if (isMapping(external) && external.name) return String(external.name);
  return raw.name ? String(raw.name) : key;
}

function volumeConfig(project: string, key: string, raw: Record<string, unknown>): VolumeConfig {
  const external = externalName(key, raw);
  return {
    name: external ?? (raw.name ? String(raw.name) : `${project}_${key}`),
    external: external !== undefined,
    ...(raw.driver ? { driver: String(raw.driver) } : {}),
    driver_opts: stringValues(raw.driver_opts),
    labels: stringValues(listOrDict(raw.labels)),
  };
}

function networkConfig(project: string, key: string, raw: Record<string, unknown>): NetworkConfig {
  const external = externalName(key, raw);
  return {
    name: external ?? (raw.name ? String(raw.name) : `${project}_${key}`),
    external: external !== undefined,
    ...(raw.driver ? { driver: String(raw.driver) } : {}),
    driver_opts: stringValues(raw.driver_opts),
    ...(raw.internal !== undefined ? { internal: !!raw.internal } : {}),
    ...(raw.attachable !== undefined ? { attachable: !!raw.attachable } : {}),
    ...(raw.enable_ipv6 !== undefined ? { enable_ipv6: !!raw.enable_ipv6 } : {}),
    ...(raw.ipam ? { ipam: raw.ipam as NetworkConfig['ipam'] } : {}),
    labels: stringValues(listOrDict(raw.labels)),
  };
}

const stringValues = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries((v ?? {}) as Record<string, unknown>).map(([k, x]) => [k, x === null ? '' : String(x)]));

/** docker-compose's checks of names one part of the file gives another. */
function checkReferences(project: ComposeProject): void {
  const names = new Set(project.services.map((s) => s.name));
  for (const service of project.services) {
    if (!service.image && service.build === undefined) {
      throw new ComposeError(`Service ${service.name} has neither an image nor a build context specified. At least one must be provided.`);
    }
    for (const dep of Object.keys(service.depends_on)) {
      if (!names.has(dep)) throw new ComposeError(`Service '${service.name}' depends on service '${dep}' which is undefined.`);
    }
    for (const network of Object.keys(service.networks)) {
      if (!project.networks[network]) throw new ComposeError(`Service "${service.name}" uses an undefined network "${network}"`);
    }
    for (const mount of service.volumes) {
      if (mount.type === 'volume' && mount.source && !project.volumes[mount.source]) {
        throw new ComposeError(`Named volume "${mount.source}:${mount.target}${mount.read_only ? ':ro' : ':rw'}" is used in service "${service.name}" but no declaration was found in the volumes section.`);
      }
    }
    const mode = service.network_mode;
    if (mode?.startsWith('service:') && !names.has(mode.slice(8))) {
      throw new ComposeError(`Service '${service.name}' uses the network stack of service '${mode.slice(8)}' which is undefined.`);
    }
  }
}
