import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const ENGINE_VERSION: string = pkg.version;
/** The version of ce.api.v1 this daemon serves. */
export const API_VERSION = 'v1';
