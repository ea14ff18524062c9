// The Compose schema ce checks files against: the shared specification's,
// compiled ahead of time into compose-spec-validator.ts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schemaProblems } from '../../../src/compose/schema-errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const cliCompose = join(root, 'packages/cli/src/compose');

describe('the Compose schema', () => {
  it('is the compiled form of compose-spec.json (npm run compose-schema:gen makes it)', async () => {
    const { composeValidatorSource } = (await import(join(root, 'tools/gen-compose-validator.mjs'))) as { composeValidatorSource: () => string };
    expect(readFileSync(join(cliCompose, 'compose-spec-validator.ts'), 'utf8') === composeValidatorSource()).toBe(true);
  });

  const shared = join(root, '../shared/specs/compose/compose-spec.json');
  it.skipIf(!existsSync(shared))('is the shared specification (when shared/ is beside the repository)', () => {
    expect(readFileSync(join(cliCompose, 'compose-spec.json'), 'utf8')).toBe(readFileSync(shared, 'utf8'));
  });

  it('accepts a file of the specification and finds every problem of a bad one', () => {
    expect(schemaProblems({ version: '3.8', services: { web: { image: 'busybox', ports: ['80:80', { target: 81 }], 'x-note': 1 } }, 'x-top': {} })).toEqual([]);
    expect(schemaProblems({ services: { web: { image: 'busybox', foo: 1, ports: '80' }, db: { image: 1 } } })).toEqual([
      "Unsupported config option for services.web: 'foo'",
      'services.web.ports contains an invalid type, it should be an array',
      'services.db.image contains an invalid type, it should be a string',
    ]);
  });
});
