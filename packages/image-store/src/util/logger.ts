import type { Logger } from '@ce/protocol';

/** pino's Logger fits; so does anything with these four methods. */
export type { Logger };

const noop = () => undefined;
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
