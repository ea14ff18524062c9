// The Compose file checked against the Compose specification's JSON schema
// (compiled ahead of time by tools/gen-compose-validator.mjs), with the
// errors worded as docker-compose 1.29 words jsonschema's
// (compose/config/validation.py): paths dotted, array indexes left out.
import { composeSpecValidator } from './compose-spec-validator.js';

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

const VERSION_EXPLANATION =
  "You might be seeing this error because you're using the wrong Compose file version. " +
  'Either specify a supported version (e.g "2.2" or "3.3") and place your service definitions under the `services` key, ' +
  'or omit the `version` key and place your service definitions at the root of the file to use version 1.\n' +
  'For more on the Compose file format versions, see https://docs.docker.com/compose/compose-file/';

/** docker-compose's DOCKER_CONFIG_HINTS: docker run flag names used as keys. */
const CONFIG_HINTS: Record<string, string> = {
  cpu_share: 'cpu_shares',
  add_host: 'extra_hosts',
  hosts: 'extra_hosts',
  extra_host: 'extra_hosts',
  device: 'devices',
  link: 'links',
  memory_swappiness: 'mem_swappiness',
  port: 'ports',
  privilege: 'privileged',
  priviliged: 'privileged',
  privilige: 'privileged',
  volume: 'volumes',
  workdir: 'working_dir',
};

/** The schema's complaints about a parsed file, one message each; empty when it is valid. */
export function schemaProblems(document: unknown): string[] {
  const validate = (validator ??= composeSpecValidator() as Validator);
  if (validate(document)) return [];
  return formatSchemaErrors((validate.errors ?? []).slice());
}

type Validator = ((document: unknown) => boolean) & { errors?: SchemaError[] | null };
let validator: Validator | undefined;

const pathOf = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .filter((p) => !/^\d+$/.test(p));

const isUnder = (pointer: string, parent: string) => pointer === parent || pointer.startsWith(`${parent}/`);

interface Grouped {
  error: SchemaError;
  /** For oneOf/anyOf: the branches' errors (jsonschema's error.context). */
  context: Grouped[];
}

/** Ajv reports a oneOf's branch errors just before the oneOf's own: fold them under it. */
function group(errors: SchemaError[]): Grouped[] {
  const out: Grouped[] = [];
  for (const error of errors) {
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') {
      let start = out.length;
      while (start > 0 && isUnder(out[start - 1]!.error.instancePath, error.instancePath)) start--;
      out.push({ error, context: out.splice(start) });
    } else out.push({ error, context: [] });
  }
  return out;
}

export function formatSchemaErrors(errors: SchemaError[]): string[] {
  const messages = group(errors).map(formatOne);
  return [...new Set(messages)];
}

function formatOne({ error, context }: Grouped): string {
  const path = pathOf(error.instancePath);
  const dotted = path.join('.');
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      if (path.length === 2 && path[0] === 'services') {
        const hint = CONFIG_HINTS[key];
        return `Unsupported config option for ${dotted}: '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`;
      }
      const message = `'${key}' does not match any of the regexes: '^x-'`;
      return path.length === 0 ? `${message}\n\n${VERSION_EXPLANATION}` : `${dotted} value ${message}`;
    }
    case 'type':
      return `${dotted} contains an invalid type, it should be ${typeWords(error.params.type)}`;
    case 'required':
      return `${dotted} is invalid, ${String(error.params.missingProperty)} is required.`;
    case 'oneOf':
    case 'anyOf': {
      const [subPath, message] = oneOfMessage(context, error.instancePath);
      return `${[dotted, subPath].filter(Boolean).join('.')} ${message}`;
    }
    case 'enum':
      return `${dotted} value ${JSON.stringify(valueAt(error))} is not one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${dotted} value ${error.message ?? 'is invalid'}`;
  }
}

/** docker-compose's _parse_oneof_validator: the most telling branch error. */
function oneOfMessage(context: Grouped[], parent: string): [string, string] {
  const types: unknown[] = [];
  for (const { error, context: inner } of context) {
    const rel = pathOf(error.instancePath.slice(parent.length)).join('.');
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') {
      const [sub, message] = oneOfMessage(inner, error.instancePath);
      return [[rel, sub].filter(Boolean).join('.'), message];
    }
    if (error.keyword === 'required') return ['', `is invalid, ${String(error.params.missingProperty)} is required`];
    if (error.keyword === 'additionalProperties') return ['', `contains unsupported option: '${String(error.params.additionalProperty)}'`];
    if (error.keyword === 'uniqueItems') return [rel, 'contains non-unique items, please remove duplicates'];
    if (rel && error.keyword === 'type') return [rel, `contains an invalid type, it should be ${typeWords(error.params.type)}`];
    if (rel && error.keyword === 'enum') {
      return [rel, `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`];
    }
    if (error.keyword === 'type') types.push(...[error.params.type].flat());
  }
  return ['', `contains an invalid type, it should be ${typeWords([...new Set(types)])}`];
}

function valueAt(error: SchemaError): unknown {
  return (error.params as { allowedValue?: unknown }).allowedValue ?? pathOf(error.instancePath).at(-1);
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** "a string", "an array", "a string, or an array", "a string, number, or a null". */
function typeWords(type: unknown): string {
  const types = [type]
    .flat()
    .flatMap((t) => String(t).split(','))
    .filter(Boolean);
  if (types.length <= 1) return article(types[0] ?? 'object');
  return `${[article(types[0]!), ...types.slice(1, -1)].join(', ')}, or ${article(types.at(-1)!)}`;
}
