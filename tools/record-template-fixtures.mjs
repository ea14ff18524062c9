// Records docker 20.10's `inspect --format` output for each template of
// packages/cli/test/unit/fixtures/template-cases.txt (one per line), on a
// container made in a private dockerd, into docker-20.10-inspect-format.json,
// which the CLI's unit tests replay against ce's template engine.
// Run as root: node tools/record-template-fixtures.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrivateDockerd } from './lib/private-dockerd.mjs';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../packages/cli/test/unit/fixtures');
const work = mkdtempSync(join(tmpdir(), 'ce-template-fixtures-'));
const dockerd = await startPrivateDockerd({ dir: join(work, 'dockerd') });
const docker = (args, input) => spawnSync(dockerd.client, [...dockerd.host, ...args], { env: dockerd.env, encoding: 'utf8', input });
try {
  // An image with no files is enough: the container is created, never started.
  const empty = spawnSync('tar', ['cf', '-', '--files-from', '/dev/null']).stdout;
  if (docker(['import', '-', 'empty:latest'], empty).status !== 0) throw new Error('docker import failed');
  const created = docker(['create', '--name', 'c1', '--label', 'b=2', '--label', 'a=x y', '-e', 'FOO=<a&b>', 'empty:latest', '/bin/true', 'arg1', 'arg 2']);
  if (created.status !== 0) throw new Error(`docker create failed: ${created.stderr}`);
  const cases = readFileSync(join(fixtures, 'template-cases.txt'), 'utf8').split('\n').filter(Boolean).map((format) => {
    const r = docker(['inspect', '--format', format, 'c1']);
    return { format, stdout: r.stdout, stderr: r.stderr, code: r.status };
  });
  const container = JSON.parse(docker(['inspect', 'c1']).stdout)[0];
  const version = docker(['version', '--format', '{{.Client.Version}}']).stdout.trim();
  writeFileSync(join(fixtures, 'docker-20.10-inspect-format.json'), `${JSON.stringify({ docker: version, container, cases }, null, 2)}\n`);
  console.log(`recorded ${cases.length} templates with docker ${version}`);
} finally {
  docker(['rm', '-f', 'c1']);
  await dockerd.stop();
  rmSync(work, { recursive: true, force: true });
}
