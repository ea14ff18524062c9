import { writeFileSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs the first ```ts block of a package README (or of one of its sections) as written, with only the
 * given strings replaced (package names by source paths, fixed paths by a
 * test's temporary ones), capturing what it logs. The `// ` comment after each
 * console.log in the README is what a reader expects: tests compare them.
 */
export async function runReadmeExample(
  readmePath: string,
  replacements: Record<string, string>,
  /** The heading (e.g. "## CNI") whose first ts block to run, for a README with several examples. */
  section?: string,
): Promise<{ logged: string[]; expected: string[] }> {
  let readme = readFileSync(readmePath, 'utf8');
  if (section !== undefined) {
    const at = readme.indexOf(`\n${section}\n`);
    if (at < 0) throw new Error(`${readmePath} has no section ${section}`);
    readme = readme.slice(at);
  }
  let code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error(`${readmePath} has no ts example`);
  const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]!);
  for (const [from, to] of Object.entries(replacements)) code = code.replaceAll(from, to);
  code = code.replaceAll('console.log(', '(globalThis as any).__readmeLog(');
  const logged: string[] = [];
  (globalThis as any).__readmeLog = (...args: unknown[]) => logged.push(args.map(String).join(' '));
  const file = join(readmePath, '..', `.readme-example-${process.pid}-${Date.now()}.ts`);
  writeFileSync(file, `${code}\nexport {};\n`);
  try {
    await import(file);
  } finally {
    rmSync(file, { force: true });
  }
  return { logged, expected };
}
