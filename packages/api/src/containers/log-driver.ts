import { join } from 'node:path';
import { invalidArgument, logFileName, LogConfigError, logSettings, resolveLogConfig, type LogConfig } from '@ce/protocol';

/** dockerd's default: json-file; ce's json-file rotation defaults are added per container (decision 0026). */
export const DEFAULT_DAEMON_LOG_CONFIG: LogConfig = { Type: 'json-file', Config: {} };

export interface ContainerLogFile {
  driver: 'json-file' | 'local';
  /** The file being written; rotated ones are beside it (x.1, x.2.gz ...). */
  path: string;
}

/**
 * The LogConfig a new container keeps: the requested one (HostConfig.LogConfig, any part
 * missing) over ced's defaults, checked as Docker checks it.
 */
export function newContainerLogConfig(requested: Partial<LogConfig> | null | undefined, daemonDefault: LogConfig): LogConfig {
  try {
    return resolveLogConfig(requested ? { Type: requested.Type ?? '', Config: requested.Config ?? {} } : undefined, daemonDefault);
  } catch (err) {
    if (err instanceof LogConfigError) throw invalidArgument(err.message);
    throw err;
  }
}

/** ced's own --log-driver/--log-opt, checked at start as dockerd checks daemon.json's. */
export function daemonLogConfig(driver: string | undefined, opts: Record<string, string>): LogConfig {
  const config: LogConfig = { Type: driver || DEFAULT_DAEMON_LOG_CONFIG.Type, Config: opts };
  logSettings(config);
  return config;
}

/** Where the container's log driver writes, in the container's folder; undefined for none. */
export function containerLogFile(containerDir: string, id: string, config: LogConfig): ContainerLogFile | undefined {
  const driver = config.Type === 'local' ? 'local' : config.Type === 'json-file' ? 'json-file' : undefined;
  if (!driver) return undefined;
  return { driver, path: join(containerDir, logFileName(driver, id)!) };
}
