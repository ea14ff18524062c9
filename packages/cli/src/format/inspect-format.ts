// docker inspect --format: the template runs on the typed object first; when
// that fails, on the raw JSON (maps only, missingkey=error), whose result or
// error is the one shown (cli/command/inspect's TemplateInspector).
import { fromJson, rawJsonValue, type GoShapes } from './go-values.js';
import { TemplateExecError, type GoTemplate } from './template.js';

export function executeInspectTemplate(template: GoTemplate, json: unknown, shapes: GoShapes): string {
  try {
    return template.execute(fromJson(json, shapes));
  } catch (err) {
    if (!(err instanceof TemplateExecError)) throw err;
    return template.execute(rawJsonValue(json), { raw: true });
  }
}
