/** The part of a pino logger this package writes to (ced passes its own). */
export interface DockerApiLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: DockerApiLogger = { debug() {}, warn() {}, error() {} };
