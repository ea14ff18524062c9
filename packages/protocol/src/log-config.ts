// Docker's log drivers as ce has them (json-file, local, none): their options parsed and
// checked with Docker 20.10's wording, ced's defaults merged in, and where each driver's
// file lives. Pure: the CLI, ced and the shim all use it.

/** Docker's HostConfig.LogConfig. */
export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

export type LogDriverName = 'json-file' | 'local' | 'none';

/** What the shim does with a container's output. */
export interface LogSettings {
  driver: LogDriverName;
  /** Rotate once the file would grow past this many bytes; -1: never. */
  maxSize: number;
  /** Files kept, the one being written included (1: the file is emptied at rotation). */
  maxFiles: number;
  /** gzip the rotated files. */
  compress: boolean;
}

/**
 * ce's json-file rotation when neither the container nor ced sets one (decision 0026):
 * Docker's `local` driver defaults, so that no log fills a disk. Docker's json-file
 * would never rotate.
 */
const JSON_FILE_ROTATION_DEFAULTS: Readonly<Record<string, string>> = { 'max-size': '20m', 'max-file': '5' };

/** Docker's local driver: 20 MiB × 5 files, compressed. */
const LOCAL_DEFAULT_MAX_SIZE = 20 * 1024 * 1024;
const LOCAL_DEFAULT_MAX_FILES = 5;

const JSON_FILE_OPTS = new Set(['max-size', 'max-file', 'compress']);
/** Options Docker's json-file takes that ce does not implement (they add attributes to each entry). */
const JSON_FILE_UNSUPPORTED = new Set(['labels', 'labels-regex', 'env', 'env-regex', 'tag']);
const LOCAL_OPTS = new Set(['max-size', 'max-file', 'compress']);

const INIT_FAILED = 'failed to initialize logging driver: ';

/** A log config Docker would refuse; the message is Docker's. */
export class LogConfigError extends Error {}

/** docker's --log-opt list as a map: "k=v", or "k" for an empty value (opts.ConvertKVStringsToMap). */
export function logOptsToMap(opts: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const opt of opts) {
    const eq = opt.indexOf('=');
    if (eq < 0) map[opt] = '';
    else map[opt.slice(0, eq)] = opt.slice(eq + 1);
  }
  return map;
}

/**
 * The config a new container gets, as dockerd's mergeAndVerifyLogConfig makes it: no type
 * means ced's; ced's options fill the gaps when the types match; then ce's json-file
 * rotation defaults fill what is still missing. Throws LogConfigError for what Docker refuses.
 */
export function resolveLogConfig(requested: LogConfig | undefined, daemonDefault: LogConfig): LogConfig {
  const Type = requested?.Type || daemonDefault.Type;
  const Config = { ...(requested?.Config ?? {}) };
  if (Type === daemonDefault.Type) {
    for (const [k, v] of Object.entries(daemonDefault.Config)) if (!(k in Config)) Config[k] = v;
  }
  if (Type === 'json-file') {
    for (const [k, v] of Object.entries(JSON_FILE_ROTATION_DEFAULTS)) if (!(k in Config)) Config[k] = v;
  }
  logSettings({ Type, Config });
  return { Type, Config };
}

/** What the driver does, with Docker's checks (its create-time ValidateLogOpt and its start-time New). */
export function logSettings(config: LogConfig): LogSettings {
  const opts = config.Config;
  switch (config.Type) {
    case 'none':
      if (Object.keys(opts).length) throw new LogConfigError('invalid logging opts for driver none');
      return { driver: 'none', maxSize: -1, maxFiles: 1, compress: false };
    case 'json-file':
      return jsonFileSettings(opts);
    case 'local':
      return localSettings(opts);
    default:
      throw new LogConfigError(`error looking up logging plugin ${config.Type}: plugin "${config.Type}" not found`);
  }
}

function jsonFileSettings(opts: Record<string, string>): LogSettings {
  for (const key of Object.keys(opts)) {
    if (JSON_FILE_UNSUPPORTED.has(key)) throw new LogConfigError(`log opt '${key}' of the json-file log driver is not supported by ce`);
    if (!JSON_FILE_OPTS.has(key)) throw new LogConfigError(`unknown log opt '${key}' for json-file log driver`);
  }
  let maxSize = -1;
  if (opts['max-size'] !== undefined) {
    maxSize = initStep(() => fromHumanSize(opts['max-size']!));
    if (maxSize <= 0) throw new LogConfigError(`${INIT_FAILED}max-size must be a positive number`);
  }
  let maxFiles = 1;
  if (opts['max-file'] !== undefined) {
    maxFiles = initStep(() => atoi(opts['max-file']!));
    if (maxFiles < 1) throw new LogConfigError(`${INIT_FAILED}max-file cannot be less than 1`);
  }
  let compress = false;
  if (opts.compress !== undefined) {
    compress = initStep(() => parseBool(opts.compress!));
    if (compress && (maxFiles === 1 || maxSize === -1)) {
      throw new LogConfigError(`${INIT_FAILED}compress cannot be true when max-file is less than 2 or max-size is not set`);
    }
  }
  return { driver: 'json-file', maxSize, maxFiles, compress };
}

function localSettings(opts: Record<string, string>): LogSettings {
  for (const key of Object.keys(opts)) {
    if (!LOCAL_OPTS.has(key)) throw new LogConfigError(`unknown log opt '${key}' for log driver local`);
  }
  let maxSize = LOCAL_DEFAULT_MAX_SIZE;
  if (opts['max-size'] !== undefined) maxSize = initStep(() => fromHumanSize(opts['max-size']!), `invalid value for max-size: ${opts['max-size']}: `);
  let maxFiles = LOCAL_DEFAULT_MAX_FILES;
  if (opts['max-file'] !== undefined) maxFiles = initStep(() => atoi(opts['max-file']!), `invalid value for max-file: ${opts['max-file']}: `);
  let compress = true;
  if (opts.compress !== undefined) compress = initStep(() => parseBool(opts.compress!), 'error reading compress log option: ');
  if (maxFiles < 0) throw new LogConfigError(`${INIT_FAILED}max file count cannot be less than 0`);
  if (compress && maxFiles <= 1) throw new LogConfigError(`${INIT_FAILED}compression cannot be enabled when max file count is 1`);
  // Docker's local driver treats 0 files as 1: the file is emptied at each rotation.
  return { driver: 'local', maxSize, maxFiles: Math.max(1, maxFiles), compress };
}

function initStep<T>(parse: () => T, context = ''): T {
  try {
    return parse();
  } catch (err) {
    throw new LogConfigError(`${INIT_FAILED}${context}${(err as Error).message}`);
  }
}

/** go-units FromHumanSize (v0.4, as Docker 20.10 vendors it): decimal units, "10m", "10 MB", "1.5k". */
export function fromHumanSize(size: string): number {
  const m = /^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(size);
  if (!m) throw new Error(`invalid size: '${size}'`);
  if (!/^\d+(\.\d+)?$/.test(m[1]!)) throw new Error(`strconv.ParseFloat: parsing "${m[1]}": invalid syntax`);
  const unit = (m[3] ?? '').toLowerCase();
  const mul = unit ? 1000 ** ('kmgtp'.indexOf(unit) + 1) : 1;
  return Math.trunc(Number(m[1]) * mul);
}

/** Go's strconv.Atoi on a 64-bit platform. */
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(n);
}

/** Go's strconv.ParseBool. */
function parseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

/** The file a driver writes in a container's folder, as Docker names it; undefined for none. */
export function logFileName(driver: LogDriverName, containerId: string): string | undefined {
  if (driver === 'json-file') return `${containerId}-json.log`;
  if (driver === 'local') return 'local-logs/container.log';
  return undefined;
}
