// `ce events --format`: the Go template actions Docker users write most
// ({{json .}}, {{.Type}}, {{.Actor.Attributes.name}}, {{json .Actor}}) until
// the CLI's Go template engine serves every command.
import { eventJson, type DockerEventMessage } from './event-line.js';

const ACTION = /\{\{-?\s*(json\s+)?\.([\w.]*)\s*-?\}\}/g;

/** Checks a template once, before any event arrives, as Go parses it before executing. */
export function checkEventTemplate(template: string): void {
  const rest = template.replace(ACTION, '');
  if (rest.includes('{{')) {
    throw new Error(`template: unsupported action in ${JSON.stringify(template)}: ce events --format takes {{json .}}, {{.Field}} and {{json .Field}} for now`);
  }
}

export function formatEvent(template: string, message: DockerEventMessage): string {
  return `${template.replace(ACTION, (_, json: string | undefined, path: string) => {
    const value = lookup(message, path);
    if (json) return path === '' ? eventJson(message) : goJson(value);
    return goText(value);
  })}\n`;
}

function lookup(message: DockerEventMessage, path: string): unknown {
  let value: unknown = message;
  for (const part of path.split('.').filter(Boolean)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Go's text of a value: <no value> for a missing map entry, numbers in full. */
function goText(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function goJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'bigint') return String(value);
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
