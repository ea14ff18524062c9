import { beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { preparePsFormat } from '../../src/commands/ps.js';
import { imageRows } from '../../src/commands/images.js';
import { parseDockerFormat, renderDockerFormat } from '../../src/format/docker-format.js';
import { tabwrite } from '../../src/format/tabwriter.js';
import { imageContext, imagesFormat, imagesHeader } from '../../src/images-format.js';
import { containerContext, psFormat, psHeader } from '../../src/ps-format.js';
import { CliExit } from '../../src/errors.js';

// Expected outputs are docker 20.10.24's for the same container and image
// (`docker create --name c1 --label b=2 --label a='x y' empty /bin/true arg1 'arg 2'`).
const created = new Date('2026-12-06T20:04:36.733Z');
const now = created.getTime() + 14_500;
const c1: Container = {
  id: 'b3d324e506c468b345bccbfb4e17a2f5eb6286ac4542554d366e045dbc5bfd4b',
  name: 'c1',
  image: 'empty:latest',
  imageId: 'sha256:c53e9f8f9e2917461aad973e878de93de06a1ec3af34ad412349bb84688652c5',
  pathAndArgs: ['/bin/true', 'arg1', 'arg 2'],
  createdAt: created,
  state: { status: 'created', running: false, pid: 0, exitCode: 0, error: '' },
  autoRemove: false,
  labels: { b: '2', a: 'x y' },
  hostname: '',
  env: [],
  workingDir: '',
  user: '',
  tty: false,
  json: '',
};

function ps(format: string | undefined, o: { quiet?: boolean; size?: boolean; sizes?: { rw: number; rootFs: number } } = {}): string {
  const { parsed } = preparePsFormat(psFormat(format, !!o.quiet, !!o.size));
  return renderDockerFormat(parsed, [containerContext(c1, { trunc: true, now, size: o.sizes })], psHeader());
}

beforeAll(() => {
  process.env.TZ = 'UTC';
});

describe('ce ps --format', () => {
  it('prints the default table with Go tabwriter alignment', () => {
    expect(ps(undefined)).toBe(
      'CONTAINER ID   IMAGE          COMMAND                  CREATED          STATUS    PORTS     NAMES\n' +
        "b3d324e506c4   empty:latest   \"/bin/true arg1 'arg…\"   14 seconds ago   Created             c1\n",
    );
    expect(ps('table')).toBe(ps(undefined));
  });
  it('adds SIZE for -s, with the virtual size when there is one', () => {
    expect(ps(undefined, { size: true, sizes: { rw: 0, rootFs: 0 } }).split('\n')[1]).toMatch(/Created {13}c1 {8}0B$/);
    expect(ps('{{.Size}}', { sizes: { rw: 12, rootFs: 1_239_820 } })).toBe('12B (virtual 1.24MB)\n');
  });
  it('knows every placeholder', () => {
    expect(ps('{{.ID}}|{{.Image}}|{{.Command}}|{{.CreatedAt}}|{{.RunningFor}}|{{.Ports}}|{{.Status}}|{{.Size}}|{{.Names}}|{{.Labels}}|{{.Label "a"}}|{{.Mounts}}|{{.State}}|{{.LocalVolumes}}')).toBe(
      "b3d324e506c4|empty:latest|\"/bin/true arg1 'arg…\"|2026-12-06 20:04:36 +0000 UTC|14 seconds ago||Created|0B|c1|a=x y,b=2|x y||created|0\n",
    );
    expect(ps('{{.Label "zz"}}')).toBe('\n');
  });
  it('prints custom tables with a header row, labels named by their last part', () => {
    expect(ps('table {{.ID}}\\t{{.Names}}\\t{{.Labels}}')).toBe('CONTAINER ID   NAMES     LABELS\nb3d324e506c4   c1        a=x y,b=2\n');
    expect(ps('table {{.Label "com.example.my-label"}}\\t{{.State}}')).toBe('my label   STATE\n           created\n');
  });
  it('marshals the context as docker does: sorted keys, HTML escaped', () => {
    expect(ps('{{json .}}')).toBe(
      '{"Command":"\\"/bin/true arg1 \'arg…\\"","CreatedAt":"2026-12-06 20:04:36 +0000 UTC","ID":"b3d324e506c4","Image":"empty:latest","Labels":"a=x y,b=2","LocalVolumes":"0","Mounts":"","Names":"c1","Networks":"","Ports":"","RunningFor":"14 seconds ago","Size":"0B","State":"created","Status":"Created"}\n',
    );
  });
  it('prints --format raw as docker does', () => {
    expect(ps('raw')).toBe(
      "container_id: b3d324e506c4\nimage: empty:latest\ncommand: \"/bin/true arg1 'arg…\"\ncreated_at: 2026-12-06 20:04:36 +0000 UTC\nstate: created\nstatus: Created\nnames: c1\nlabels: a=x y,b=2\nports:\n\n",
    );
    expect(ps('raw', { size: true }).split('\n').slice(-3)).toEqual(['size: 0B', '', '']);
    expect(ps('raw', { quiet: true })).toBe('container_id: b3d324e506c4\n');
  });
  it('ignores -q when a format is given, as docker does', () => {
    expect(ps('{{.Names}}', { quiet: true })).toBe('c1\n');
    expect(ps(undefined, { quiet: true })).toBe('b3d324e506c4\n');
  });
  it('fails on bad templates before listing, with docker ps words', () => {
    const failure = (f: string) => {
      try {
        preparePsFormat(f);
      } catch (err) {
        return [(err as CliExit).exitCode, (err as CliExit).message];
      }
      return null;
    };
    expect(failure('{{nope}}')).toEqual([1, 'failed to parse template: template: :1: function "nope" not defined']);
    expect(failure('{{.Nope}}')).toEqual([1, 'failed to execute template: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext']);
    expect(preparePsFormat('{{.Names}} {{.Size}}').usesSize).toBe(true);
    expect(preparePsFormat('{{.Names}}').usesSize).toBe(false);
  });
});

describe('ce images --format', () => {
  const rows = imageRows([{ name: 'docker.io/library/empty:latest', id: 'sha256:c53e9f8f9e2917461aad973e878de93de06a1ec3af34ad412349bb84688652c5', createdAt: created, created, size: 0, labels: {} }]);
  const images = (format: string | undefined, digests = false) =>
    renderDockerFormat(parseDockerFormat(imagesFormat(format, false, digests)), rows.map((r) => imageContext(r, { trunc: true, now: created.getTime() + 22_000 })), imagesHeader());
  it('knows every placeholder', () => {
    expect(images('{{.ID}}|{{.Repository}}|{{.Tag}}|{{.Digest}}|{{.CreatedSince}}|{{.CreatedAt}}|{{.Size}}|{{.VirtualSize}}|{{.SharedSize}}|{{.UniqueSize}}|{{.Containers}}')).toBe(
      'c53e9f8f9e29|empty|latest|<none>|22 seconds ago|2026-12-06 20:04:36 +0000 UTC|0B|0B|N/A|N/A|N/A\n',
    );
  });
  it('prints --format raw as docker does', () => {
    expect(images('raw')).toBe('repository: empty\ntag: latest\nimage_id: c53e9f8f9e29\ncreated_at: 2026-12-06 20:04:36 +0000 UTC\nvirtual_size: 0B\n\n');
    expect(images('raw', true)).toBe('repository: empty\ntag: latest\ndigest: <none>\nimage_id: c53e9f8f9e29\ncreated_at: 2026-12-06 20:04:36 +0000 UTC\nvirtual_size: 0B\n\n');
  });
  it('marshals rows HTML-escaped with sorted keys', () => {
    expect(images('{{json .}}')).toBe(
      '{"Containers":"N/A","CreatedAt":"2026-12-06 20:04:36 +0000 UTC","CreatedSince":"22 seconds ago","Digest":"\\u003cnone\\u003e","ID":"c53e9f8f9e29","Repository":"empty","SharedSize":"N/A","Size":"0B","Tag":"latest","UniqueSize":"N/A","VirtualSize":"0B"}\n',
    );
  });
  it('names the columns as docker does', () => {
    expect(images('table {{.ID}}\\t{{.VirtualSize}}\\t{{.SharedSize}}\\t{{.UniqueSize}}\\t{{.Containers}}\\t{{.CreatedAt}}\\t{{.Digest}}')).toBe(
      'IMAGE ID       SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS   CREATED AT                      DIGEST\n' +
        'c53e9f8f9e29   0B        N/A           N/A           N/A          2026-12-06 20:04:36 +0000 UTC   <none>\n',
    );
    expect(images(undefined)).toBe('REPOSITORY   TAG       IMAGE ID       CREATED          SIZE\nempty        latest    c53e9f8f9e29   22 seconds ago   0B\n');
  });
  it('gives a tag row the digests of its repository, and a repository named by digest alone a <none> row, as docker images does', () => {
    const [a, b] = ['sha256:aaaa', 'sha256:cccc'];
    const names = [
      { name: 'docker.io/library/busybox:latest', id: a, size: 1, labels: {} },
      { name: 'docker.io/library/busybox@sha256:bbbb', id: a, size: 1, labels: {} },
      { name: 'localhost:5000/busybox:v1', id: a, size: 1, labels: {} },
      { name: 'localhost:5000/old@sha256:dddd', id: b, size: 1, labels: {} },
      { name: 'localhost:5000/old@sha256:eeee', id: b, size: 1, labels: {} },
    ];
    const cells = (digests: boolean) => imageRows(names, digests).map((r) => [r.repository, r.tag, r.digest ?? '<none>']);
    expect(cells(true)).toEqual([
      ['busybox', 'latest', 'sha256:bbbb'],
      ['localhost:5000/busybox', 'v1', '<none>'],
      ['localhost:5000/old', '<none>', 'sha256:dddd'],
      ['localhost:5000/old', '<none>', 'sha256:eeee'],
    ]);
    expect(cells(false)).toEqual([
      ['busybox', 'latest', '<none>'],
      ['localhost:5000/busybox', 'v1', '<none>'],
      ['localhost:5000/old', '<none>', '<none>'],
    ]);
  });
});

describe("Go's tabwriter as docker configures it", () => {
  it('pads each column block to its widest cell plus 3, at least 10', () => {
    expect(tabwrite('a\tbb\tc\nlonger cell here\tx\ty\n')).toBe('a                  bb        c\nlonger cell here   x         y\n');
  });
  it('aligns runs of lines separately when a line has fewer cells', () => {
    expect(tabwrite('a\tb\nno tabs\nccccccccccccc\td\n')).toBe('a         b\nno tabs\nccccccccccccc   d\n');
  });
  it('counts characters, not bytes', () => {
    expect(tabwrite('é…\tx\nab\ty\n')).toBe('é…        x\nab        y\n');
  });
});
