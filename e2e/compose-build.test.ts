// ce compose building through ced's builder, as docker-compose 1.29 builds:
// a two-service project whose app is built from a Dockerfile in a subfolder
// (args interpolated from the environment, a target stage, a custom
// Dockerfile name, labels), `build`, `up -d --build` running the built
// image, `up` building a missing image, `--no-build` refusing, and a
// failing RUN ending with docker-compose's words.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';

let daemon: TestDaemon;
withBusyboxDaemon((d) => (daemon = d));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ce-compose-build-e2e-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A project folder (its name is the project's) holding `files` (path → content). */
function projectDir(name: string, files: Record<string, string>): string {
  const folder = join(dir, name);
  rmSync(folder, { recursive: true, force: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

const compose = (folder: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  ce(['compose', '-f', join(folder, 'docker-compose.yml'), ...args], { socket: daemon.socket, env, timeoutMs: 110_000 });
const run = (args: string[]) => ce(args, { socket: daemon.socket, timeoutMs: 60_000 });

// The `broken` stage would fail: building it at all shows the target was not honoured.
const APP_DOCKERFILE = `FROM busybox AS base
ARG GREETING=none
ARG FLAVOUR
RUN echo "built with $GREETING and \${FLAVOUR:-no flavour}" > /greeting
FROM base AS final
CMD ["sh", "-c", "cat /greeting; exec sleep 300"]
FROM base AS broken
RUN exit 7
`;

const TWO_SERVICES = `version: "3.8"
services:
  app:
    build:
      context: ./app
      dockerfile: Dockerfile.app
      target: final
      cache_from:
        - busybox
      args:
        - GREETING=\${GREETING:?set GREETING}
        - FLAVOUR
      labels:
        made.by: ce-compose
    network_mode: none
  helper:
    image: busybox
    command: sleep 300
    network_mode: none
`;

describe('ce compose build', () => {
  it('builds a service from a Dockerfile in a subfolder with args and a target; up --build runs the rebuilt image', async () => {
    const folder = projectDir('buildtwo', { 'docker-compose.yml': TWO_SERVICES, 'app/Dockerfile.app': APP_DOCKERFILE, 'app/.dockerignore': 'secret\n', 'app/secret': 'x' });
    try {
      const built = await compose(folder, ['build'], { GREETING: 'hello', FLAVOUR: 'vanilla' });
      expect(built.code, built.stderr).toBe(0);
      expect(built.stderr).toBe('Building app\nhelper uses an image, skipping\n');
      expect(built.stdout).toMatch(/^Sending build context to Docker daemon {2}\S+ ?\S*B\n/);
      expect(built.stdout).toContain('Step 1/');
      expect(built.stdout).not.toContain('exit 7');
      expect(built.stdout).toContain('Successfully tagged buildtwo_app:latest\n');
      const greeting = await run(['run', '--rm', '--network', 'none', 'buildtwo_app', 'cat', '/greeting']);
      expect(greeting).toMatchObject({ code: 0, stdout: 'built with hello and vanilla\n' });
      expect((await run(['image', 'inspect', '-f', '{{index .Config.Labels "made.by"}}', 'buildtwo_app'])).stdout).toBe('ce-compose\n');

      // -q prints nothing; --build-arg goes over the file's args.
      const quiet = await compose(folder, ['build', '-q', '--build-arg', 'GREETING=override', 'app'], { GREETING: 'hello' });
      expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
      expect((await run(['run', '--rm', '--network', 'none', 'buildtwo_app', 'cat', '/greeting'])).stdout).toBe('built with override and no flavour\n');

      const up = await compose(folder, ['up', '-d', '--build'], { GREETING: 'again' });
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toContain('Building app\n');
      expect(up.stderr).toMatch(/Creating buildtwo_app_1 +\.\.\. done/);
      expect(up.stdout).toContain('Successfully tagged buildtwo_app:latest\n');
      expect((await run(['inspect', '-f', '{{.Config.Image}}', 'buildtwo_app_1'])).stdout).toBe('buildtwo_app\n');
      const exec = await run(['exec', 'buildtwo_app_1', 'cat', '/greeting']);
      expect(exec).toMatchObject({ code: 0, stdout: 'built with again and no flavour\n' });

      // A plain up with the image present builds nothing.
      const again = await compose(folder, ['up', '-d'], { GREETING: 'again' });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toContain('Building');
      expect(again.stdout).toBe('');
    } finally {
      await compose(folder, ['down'], { GREETING: 'x' });
    }
  });

  it('up and run build a missing image, tagged with the service image name; --no-build refuses', async () => {
    const files = {
      'docker-compose.yml': 'services:\n  web:\n    image: buildmissing-web:v1\n    build: .\n    network_mode: none\n',
      Dockerfile: 'FROM busybox\nRUN echo built > /marker\nCMD ["sleep", "300"]\n',
    };
    const folder = projectDir('buildmissing', files);
    try {
      const refused = await compose(folder, ['up', '-d', '--no-build']);
      expect(refused).toMatchObject({ code: 1, stderr: "Service 'web' needs to be built, but --no-build was passed.\n" });
      expect((await run(['image', 'inspect', 'buildmissing-web:v1'])).code).toBe(1);

      const up = await compose(folder, ['up', '-d']);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toContain('Building web\n');
      expect(up.stderr).toContain('WARNING: Image for service web was built because it did not already exist.');
      expect(up.stdout).toContain('Successfully tagged buildmissing-web:v1\n');
      expect((await run(['exec', 'buildmissing_web_1', 'cat', '/marker'])).stdout).toBe('built\n');
      expect(await compose(folder, ['up', '-d', '--build', '--no-build'])).toMatchObject({ code: 1, stderr: '--build and --no-build can not be combined.\n' });

      // run builds a missing image too.
      expect((await compose(folder, ['down'])).code).toBe(0);
      expect((await run(['rmi', 'buildmissing-web:v1'])).code).toBe(0);
      const once = await compose(folder, ['run', '--rm', '-T', 'web', 'cat', '/marker']);
      expect(once.code, once.stderr).toBe(0);
      expect(once.stderr).toContain('Building web\n');
      expect(once.stdout).toMatch(/Successfully tagged buildmissing-web:v1\n(.|\n)*built\n$/);
    } finally {
      await compose(folder, ['down']);
    }
  });

  it("a failing RUN ends with the builder's message and docker-compose's words, exit 1", async () => {
    const folder = projectDir('buildfail', {
      'docker-compose.yml': 'services:\n  bad:\n    build: .\n    network_mode: none\n',
      Dockerfile: 'FROM busybox\nRUN echo before && exit 3\n',
    });
    const built = await compose(folder, ['build']);
    expect(built.code).toBe(1);
    expect(built.stderr).toBe("Building bad\nThe command '/bin/sh -c echo before && exit 3' returned a non-zero code: 3\nService 'bad' failed to build : Build failed\n");
    expect(built.stdout).toContain('before\n');
    expect((await run(['image', 'inspect', 'buildfail_bad'])).code).toBe(1);

    const up = await compose(folder, ['up', '-d']);
    expect(up.code).toBe(1);
    expect(up.stderr).toMatch(/Service 'bad' failed to build : Build failed\n$/);
    expect((await run(['ps', '-a', '--filter', 'label=com.docker.compose.project=buildfail', '-q'])).stdout).toBe('');
  });

  it('refuses build options ce build does not take, and a missing context, naming them', async () => {
    const shm = projectDir('buildshm', {
      'docker-compose.yml': 'services:\n  web:\n    build:\n      context: .\n      shm_size: 128m\n      extra_hosts: ["a:127.0.0.1"]\n',
      Dockerfile: 'FROM busybox\n',
    });
    expect(await compose(shm, ['build'])).toMatchObject({
      code: 1,
      stderr: "Service 'web' cannot be built by ce: build options shm_size, extra_hosts not supported by ce build.\n",
    });
    const missing = projectDir('buildnocontext', { 'docker-compose.yml': 'services:\n  web:\n    build: ./nowhere\n' });
    expect(await compose(missing, ['build'])).toMatchObject({
      code: 1,
      stderr: `build path ${join(missing, 'nowhere')} either does not exist, is not accessible, or is not a valid URL.\n`,
    });
  });
});
