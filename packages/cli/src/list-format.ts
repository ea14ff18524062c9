// A list command's --format (docker images, docker network ls): a template
// that does not parse, or fails on a row, ends the command as docker's does.
import { CliExit } from './errors.js';
import { parseDockerFormat, renderDockerFormat, type ParsedFormat } from './format/docker-format.js';
import { TemplateExecError, TemplateSyntaxError } from './format/template.js';

export function parseListFormat(format: string): ParsedFormat {
  try {
    return parseDockerFormat(format);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new CliExit(1, `template parsing error: ${err.message}`);
    throw err;
  }
}

export function renderListFormat(parsed: ParsedFormat, elements: unknown[], header: unknown): string {
  try {
    return renderDockerFormat(parsed, elements, header);
  } catch (err) {
    if (err instanceof TemplateExecError) throw new CliExit(1, `template parsing error: ${err.message}`);
    throw err;
  }
}
