// ce inspect, ps --format/-s and images --format with the real binaries.
import { describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';

let daemon: TestDaemon;
const ids: string[] = [];

withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[]) => ce(args, { socket: daemon.socket });

async function created(args: string[]): Promise<string> {
  const r = await run(['create', ...args]);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const id = r.stdout.trim();
  ids.push(id);
  return id;
}

describe('ce inspect', () => {
  it('prints the ContainerJSON array as docker does, 4-space indented, and the image when no container has the name', async () => {
    const id = await created(['--name', 'inspected', '--label', 'b=2', '--label', 'a=x y', '-e', 'FOO=<a&b>', 'busybox', 'true']);
    const model = await inspectContainer(daemon.socket, id);
    const r = await run(['inspect', 'inspected']);
    expect(r).toEqual({ code: 0, stdout: `${JSON.stringify([model], null, 4)}\n`, stderr: '' });
    // docker's daemon does not HTML-escape: the JSON keeps <a&b> as it is.
    expect(r.stdout).toContain('"FOO=<a&b>"');
    expect(await run(['container', 'inspect', id.slice(0, 12)])).toEqual(r);

    const image = await run(['inspect', 'busybox']);
    expect(image.code).toBe(0);
    expect(JSON.parse(image.stdout)[0].RepoTags).toEqual(['busybox:latest']);
    expect(await run(['image', 'inspect', 'busybox'])).toEqual(image);
  });

  it('prints the others and fails with one line per missing object', async () => {
    await created(['--name', 'present', 'busybox', 'true']);
    const r = await run(['inspect', 'present', 'missing']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).map((c: { Name: string }) => c.Name)).toEqual(['/present']);
    expect(r.stderr).toBe('ce: Error: No such object: missing\n');
    expect(await run(['inspect', 'missing', 'gone'])).toEqual({ code: 1, stdout: '[]\n', stderr: 'ce: Error: No such object: missing\nError: No such object: gone\n' });
    expect(await run(['inspect', '--type', 'container', 'busybox'])).toEqual({ code: 1, stdout: '[]\n', stderr: 'ce: Error: No such container: busybox\n' });
    expect(await run(['inspect', '--type', 'image', 'present'])).toEqual({ code: 1, stdout: '[]\n', stderr: 'ce: Error: No such image: present\n' });
    expect(await run(['inspect', '--type', 'bogus', 'present'])).toEqual({ code: 1, stdout: '', stderr: 'ce: "bogus" is not a valid value for --type\n' });
  });

  it('runs --format templates on the container, the image, and each object', async () => {
    await created(['--name', 'formatted', '--label', 'b=2', '--label', 'a=x y', 'busybox', 'echo', 'one', 'two words']);
    expect(await run(['inspect', '--format', '{{.Name}} {{.State.Status}} {{.Config.Labels}} {{json .Config.Labels}} {{index .Config.Labels "a"}}', 'formatted'])).toEqual({
      code: 0,
      stdout: '/formatted created map[a:x y b:2] {"a":"x y","b":"2"} x y\n',
      stderr: '',
    });
    expect(await run(['container', 'inspect', '-f', '{{json .Args}} {{len .Args}} {{join .Args "+"}} {{range .Args}}[{{.}}]{{end}}', 'formatted'])).toMatchObject({
      code: 0,
      stdout: '["one","two words"] 2 one+two words [one][two words]\n',
    });
    expect(await run(['image', 'inspect', '-f', '{{.Os}}/{{.Architecture}} {{json .RepoTags}}', 'busybox'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^linux\/\w+ \["busybox:latest"\]\n$/) });
    expect(await run(['inspect', '-f', '{{.Name}}', 'formatted', 'missing', 'formatted'])).toEqual({ code: 1, stdout: '/formatted\n/formatted\n', stderr: 'ce: Error: No such object: missing\n' });
  });

  it('words template errors as docker inspect does', async () => {
    await created(['--name', 'erring', 'busybox', 'true']);
    expect(await run(['inspect', '-f', '{{nope}}', 'erring'])).toEqual({ code: 64, stdout: '', stderr: 'ce: template parsing error: template: :1: function "nope" not defined\n' });
    expect(await run(['inspect', '-f', '{{.State.Nope}}', 'erring'])).toEqual({
      code: 1,
      stdout: '\n',
      stderr: 'ce: template parsing error: template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope"\n',
    });
  });

  it('adds SizeRw and SizeRootFs with -s', async () => {
    const id = await created(['--name', 'sized', 'busybox', 'true']);
    const r = await run(['inspect', '-s', '-f', '{{.SizeRw}} {{gt .SizeRootFs 0}}', id]);
    expect(r).toEqual({ code: 0, stdout: '0 true\n', stderr: '' });
  });
});

describe('ce ps --format, -s', () => {
  it('runs the template per container, with a header for table formats', async () => {
    const id = await created(['--name', 'listed', '--label', 'com.example.tier=web', 'busybox', 'sh', '-c', 'echo hi > /file']);
    expect(await run(['start', '-a', 'listed'])).toMatchObject({ code: 0 });
    expect(await run(['ps', '-a', '--filter', 'name=listed', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.Command}} {{.State}} {{.Labels}} {{.Label "com.example.tier"}}'])).toEqual({
      code: 0,
      // COMMAND is cut at 20 characters, as docker's is.
      stdout: `${id.slice(0, 12)} listed busybox "sh -c 'echo hi > /f…" exited com.example.tier=web web\n`,
      stderr: '',
    });
    expect(await run(['ps', '-a', '--filter', 'name=listed', '--format', 'table {{.Names}}\\t{{.Label "com.example.tier"}}\\t{{.State}}'])).toEqual({
      code: 0,
      stdout: 'NAMES     tier      STATE\nlisted    web       exited\n',
      stderr: '',
    });
    // The writable layer holds /file (3 bytes); the virtual size adds busybox's layers.
    const sized = await run(['ps', '-as', '--filter', 'name=listed']);
    expect(sized.stdout.split('\n')[0]).toMatch(/ NAMES +SIZE$/);
    expect(sized.stdout.split('\n')[1]).toMatch(/ listed +3B \(virtual \d+(\.\d+)?[kM]B\)$/);
    expect(await run(['ps', '-a', '--filter', 'name=listed', '--format', '{{.Size}}'])).toMatchObject({ stdout: expect.stringMatching(/^3B \(virtual /) });
  });

  it('fails on bad templates with docker ps words', async () => {
    expect(await run(['ps', '--format', '{{nope}}'])).toEqual({ code: 1, stdout: '', stderr: 'ce: failed to parse template: template: :1: function "nope" not defined\n' });
    expect(await run(['ps', '--format', '{{.Nope}}'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ce: failed to execute template: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext\n',
    });
  });
});

describe('ce images --format', () => {
  it('runs the template per image row', async () => {
    const id = (await run(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
    const rows = await run(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}}']);
    expect(rows).toMatchObject({ code: 0, stderr: '' });
    expect(rows.stdout.split('\n')).toContain(`busybox:latest ${id.slice(7, 19)} <none>`);
    const table = await run(['images', '--format', 'table {{.Repository}}\\t{{.Tag}}']);
    // The column is as wide as the longest name (the daemon also holds hello-world) plus 3.
    expect(table.stdout).toMatch(/^REPOSITORY {4}TAG\n/);
    expect(table.stdout.split('\n')).toContain('busybox       latest');
    expect(await run(['images', '--format', '{{.Nope}}'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ce: template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext\n',
    });
  });
});
