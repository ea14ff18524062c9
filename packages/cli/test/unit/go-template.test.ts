import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDockerTemplate } from '../../src/format/docker-format.js';
import { CONTAINER_SHAPES } from '../../src/format/docker-shapes.js';
import { executeInspectTemplate } from '../../src/format/inspect-format.js';
import { TemplateSyntaxError } from '../../src/format/template.js';

interface Case {
  format: string;
  stdout: string;
  stderr: string;
  code: number;
}
// Recorded from docker 20.10.24 (`docker inspect --format F c1` against a private dockerd)
// by tools/record-template-fixtures.mjs, for the templates in fixtures/template-cases.txt.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/docker-20.10-inspect-format.json', import.meta.url), 'utf8')) as { container: unknown; cases: Case[] };

/** What ce prints for one container, in docker inspect's shape: stdout, the stderr line, the exit code. */
function inspectFormat(format: string): Case {
  let template;
  try {
    template = parseDockerTemplate(format);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return { format, stdout: '', stderr: `template parsing error: ${err.message}\n`, code: 64 };
    throw err;
  }
  try {
    return { format, stdout: `${executeInspectTemplate(template, fixture.container, CONTAINER_SHAPES)}\n`, stderr: '', code: 0 };
  } catch (err) {
    return { format, stdout: '\n', stderr: `template parsing error: ${(err as Error).message}\n`, code: 1 };
  }
}

// Go prints pointers inside composites as addresses (`map[bridge:0xc0003b4840]`), which JSON cannot carry.
const POINTER_ADDRESSES = new Set(['{{.}}', '{{.NetworkSettings.Networks}}', '{{range .Args}}{{$}}{{end}}']);
// Go types constants: 1.5 is a float64 and 1 an int, which it will not compare; JSON has one number type.
const NUMBER_KINDS = new Set(['{{le 1 1.5}} {{eq 1 1.0}}']);

describe('Go templates, as docker inspect --format runs them', () => {
  for (const c of fixture.cases) {
    it.skipIf(POINTER_ADDRESSES.has(c.format) || NUMBER_KINDS.has(c.format))(JSON.stringify(c.format), () => {
      expect(inspectFormat(c.format)).toEqual(c);
    });
  }
});
