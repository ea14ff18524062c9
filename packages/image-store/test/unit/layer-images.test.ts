import { describe, expect, it } from 'vitest';
import { applyConfigChanges, composeLayerImage, EMPTY_LAYER_DIFF_ID, imageHistory, parseConfigChanges } from '../../src/index.js';
import type { OciImageConfig, OciManifest } from '../../src/index.js';

const apply = (changes: string[], config = {}) => applyConfigChanges(config, parseConfigChanges(changes));

describe('commit/import -c changes', () => {
  it('takes CMD and ENTRYPOINT in exec and shell form', () => {
    expect(apply(['CMD ["/bin/echo", "hi"]']).Cmd).toEqual(['/bin/echo', 'hi']);
    expect(apply(['cmd echo $HOME']).Cmd).toEqual(['/bin/sh', '-c', 'echo $HOME']);
    expect(apply(['ENTRYPOINT ["top"]'], { Cmd: ['-b'] })).toMatchObject({ Entrypoint: ['top'], Cmd: null });
    expect(apply(['ENTRYPOINT ["top"]', 'CMD ["-b"]'], { Cmd: ['x'] })).toMatchObject({ Entrypoint: ['top'], Cmd: ['-b'] });
  });

  it('merges ENV, LABEL, EXPOSE and VOLUME into what the config has', () => {
    const c = apply(['ENV A=1 B="two words"', 'ENV PATH /x', 'LABEL a=b "c d"=e', 'EXPOSE 80 53/udp 8000-8001', 'VOLUME ["/data"]', 'VOLUME /a /b'], {
      Env: ['PATH=/bin', 'KEEP=1'],
      Labels: { old: 'yes' },
      ExposedPorts: { '22/tcp': {} },
    });
    expect(c.Env).toEqual(['PATH=/x', 'KEEP=1', 'A=1', 'B=two words']);
    expect(c.Labels).toEqual({ old: 'yes', a: 'b', 'c d': 'e' });
    expect(Object.keys(c.ExposedPorts!)).toEqual(['22/tcp', '80/tcp', '53/udp', '8000/tcp', '8001/tcp']);
    expect(Object.keys(c.Volumes!)).toEqual(['/data', '/a', '/b']);
  });

  it('sets USER, joins a relative WORKDIR to the current one and appends ONBUILD triggers', () => {
    const c = apply(['USER nobody:nogroup', 'WORKDIR /srv', 'WORKDIR app', 'ONBUILD RUN echo hi'], { OnBuild: ['ADD . /x'] });
    expect(c).toMatchObject({ User: 'nobody:nogroup', WorkingDir: '/srv/app', OnBuild: ['ADD . /x', 'RUN echo hi'] });
  });

  it('takes HEALTHCHECK with its flags, in shell and exec form, and NONE', () => {
    expect(apply(['HEALTHCHECK --interval=5s --retries=2 CMD x y']).Healthcheck).toEqual({ Test: ['CMD-SHELL', 'x y'], Interval: 5e9, Retries: 2 });
    expect(apply(['HEALTHCHECK --timeout=1m30s --start-period=500ms CMD ["/bin/check", "-q"]']).Healthcheck).toEqual({ Test: ['CMD', '/bin/check', '-q'], Timeout: 90e9, StartPeriod: 5e8 });
    expect(apply(['HEALTHCHECK NONE']).Healthcheck).toEqual({ Test: ['NONE'] });
    expect(() => apply(['HEALTHCHECK --interval=soon CMD x'])).toThrow('time: invalid duration "soon"');
    expect(() => apply(['HEALTHCHECK RUN x'])).toThrow('Unknown type "RUN" in HEALTHCHECK (try CMD)');
  });

  it('refuses what Docker refuses, with its wording', () => {
    expect(() => parseConfigChanges(['RUN echo hi'])).toThrow('run is not a valid change command');
    expect(() => parseConfigChanges(['FOO bar'])).toThrow('foo is not a valid change command');
    expect(() => parseConfigChanges(['CMD'])).toThrow('CMD requires at least one argument');
    expect(() => apply(['EXPOSE http'])).toThrow('Invalid containerPort: http');
    expect(() => apply(['ONBUILD ONBUILD RUN x'])).toThrow('ONBUILD ONBUILD');
  });

  // Each expectation is what dockerd 20.10 made of the same change on a container with this Env.
  describe('expands $VAR against the Env as it stands at that change, as Docker 20.10', () => {
    const env = { Env: ['FOO=bar', 'SP=a b', 'PATH=/bin', 'HOME=/root'] };
    const added = (change: string) => apply([change], env).Env!.slice(4);
    it('in ENV and LABEL keys and values, with quotes, escapes and the :- :+ :? forms', () => {
      expect(apply(['ENV PATH=$PATH:/x'], env).Env).toEqual(['FOO=bar', 'SP=a b', 'PATH=/bin:/x', 'HOME=/root']);
      expect(added(`ENV A=$FOO B="$FOO q" C='$FOO' D=\\$FOO`)).toEqual(['A=bar', 'B=bar q', 'C=$FOO', 'D=$FOO']);
      expect(added('ENV A="x\\$FOO" B=\\\\$FOO')).toEqual(['A=x$FOO', 'B=\\bar']);
      expect(added('ENV X ${FOO:-def} ${NOPE:-def} ${FOO:+alt} ${NOPE:+alt}')).toEqual(['X=bar def alt ']);
      expect(added('ENV A "x  y"   z')).toEqual(['A=x  y   z']);
      expect(added('ENV E=${FOO}x${SP} F=$FOO-$FOO_ G=$FOO.x')).toEqual(['E=barxa b', 'F=bar-', 'G=bar.x']);
      expect(added('ENV A=$$FOO B=$1x C=a$ D=$ E=${FOO:?x}')).toEqual(['A=FOO', 'B=x', 'C=a$', 'D=$', 'E=bar']);
      expect(added('ENV $FOO=1')).toEqual(['bar=1']);
      // One ENV's references see the Env before it.
      expect(added('ENV A=1 B=$A')).toEqual(['A=1', 'B=']);
      expect(apply(['LABEL "$FOO"=v l=$FOO'], env).Labels).toEqual({ bar: 'v', l: 'bar' });
    });
    it('in USER, WORKDIR, VOLUME and EXPOSE, not in CMD, ENTRYPOINT, HEALTHCHECK or ONBUILD', () => {
      expect(apply(['USER ${FOO}:$FOO', 'WORKDIR ${HOME}/sub', 'VOLUME $HOME/v', 'VOLUME ["$HOME/j", "x"]', 'EXPOSE $NOPE ${NOPE:-80}'], env)).toMatchObject({
        User: 'bar:bar',
        WorkingDir: '/root/sub',
        Volumes: { '/root/v': {}, '/root/j': {}, x: {} },
        ExposedPorts: { '80/tcp': {} },
      });
      expect(apply(['WORKDIR rel$FOO'], env).WorkingDir).toBe('/relbar');
      expect(apply(['CMD echo $FOO', 'ENTRYPOINT $FOO', 'HEALTHCHECK CMD echo $FOO', 'ONBUILD RUN $FOO'], env)).toMatchObject({
        Cmd: ['/bin/sh', '-c', 'echo $FOO'],
        Entrypoint: ['/bin/sh', '-c', '$FOO'],
        Healthcheck: { Test: ['CMD-SHELL', 'echo $FOO'] },
        OnBuild: ['RUN $FOO'],
      });
    });
    it("refuses what Docker's expansion refuses, with its wording", () => {
      expect(() => apply(['WORKDIR $NOPE'], env)).toThrow('cannot normalize nothing');
      expect(() => apply(['VOLUME $NOPE'], env)).toThrow('VOLUME specified can not be an empty string');
      expect(() => apply(['ENV A=${NOPE:?oops}'], env)).toThrow('failed to process "${NOPE:?oops}": NOPE: oops');
      expect(() => apply(['ENV A=${NOPE-x}'], env)).toThrow(`failed to process "\${NOPE-x}": missing ':' in substitution`);
      expect(() => apply(['ENV A=${FOO'], env)).toThrow(`failed to process "\${FOO": missing ':' in substitution`);
      expect(() => apply(['ENV A=${}'], env)).toThrow('failed to process "${}": syntax error: bad substitution');
      expect(() => apply(['ENV F=${FOO/b/z}'], env)).toThrow(`missing ':' in substitution`);
      expect(() => apply(['EXPOSE ${FOO:-80}'], env)).toThrow('Invalid containerPort: bar');
      expect(() => apply(['LABEL foo'], env)).toThrow('LABEL must have two arguments');
      expect(() => apply(['ENV A=1 B'], env)).toThrow(`Syntax error - can't find = in "B". Must be of the form: name=value`);
      expect(() => apply(['ENV =x'], env)).toThrow('ENV names can not be blank');
    });
  });

  it('leaves the given config untouched', () => {
    const base = { Env: ['A=1'] };
    apply(['ENV A=2'], base);
    expect(base.Env).toEqual(['A=1']);
  });
});

const parentConfig: OciImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  config: { Cmd: ['sh'] },
  rootfs: { type: 'layers', diff_ids: ['sha256:aaa'] },
  history: [{ created: '2020-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:x in / ' }, { created: '2020-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true }],
};
const parentManifest: OciManifest = {
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: 'sha256:cfg', size: 1 },
  layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: 'sha256:gz', size: 10 }],
};

describe('composeLayerImage', () => {
  it('appends the layer, its history entry and the new config to the parent', () => {
    const created = new Date('2024-01-02T03:04:05Z');
    const { config, manifest } = composeLayerImage({
      parent: { config: parentConfig, manifest: parentManifest },
      layer: { digest: 'sha256:bbb', size: 2048 },
      config: { Cmd: ['cat', '/x'] },
      history: { created_by: 'sh -c echo x > /x', author: 'me', comment: 'msg' },
      created,
      architecture: 'arm64',
      os: 'linux',
    });
    expect(config.rootfs.diff_ids).toEqual(['sha256:aaa', 'sha256:bbb']);
    expect(config.architecture).toBe('amd64'); // the parent's
    expect(config.author).toBe('me');
    expect(config.config).toEqual({ Cmd: ['cat', '/x'] });
    expect(config.history!.at(-1)).toEqual({ created: created.toISOString(), created_by: 'sh -c echo x > /x', author: 'me', comment: 'msg' });
    expect(manifest.mediaType).toBe(parentManifest.mediaType);
    expect(manifest.layers.at(-1)).toEqual({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: 'sha256:bbb', size: 2048 });
  });

  it('records an empty change as an empty layer, as Docker does', () => {
    const { config, manifest } = composeLayerImage({
      parent: { config: parentConfig, manifest: parentManifest },
      layer: { digest: EMPTY_LAYER_DIFF_ID, size: 1024 },
      config: {},
      history: {},
      created: new Date(),
      architecture: 'amd64',
      os: 'linux',
    });
    expect(config.rootfs.diff_ids).toEqual(['sha256:aaa']);
    expect(manifest.layers).toHaveLength(1);
    expect(config.history!.at(-1)!.empty_layer).toBe(true);
  });

  it('makes an OCI image of one layer for an import', () => {
    const { config, manifest } = composeLayerImage({ layer: { digest: 'sha256:ccc', size: 3 }, config: {}, history: { comment: 'Imported from -' }, created: new Date(), architecture: 'amd64', os: 'linux' });
    expect(config.rootfs.diff_ids).toEqual(['sha256:ccc']);
    expect(config.history).toHaveLength(1);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.layers[0]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
  });
});

describe('imageHistory', () => {
  const child: OciImageConfig = {
    ...parentConfig,
    rootfs: { type: 'layers', diff_ids: ['sha256:aaa', 'sha256:bbb'] },
    history: [...parentConfig.history!, { created: '2024-01-02T00:00:00Z', created_by: 'sh', comment: 'msg' }],
  };
  it('lists entries newest first, with ids where a local image ends and <missing> elsewhere', () => {
    const rows = imageHistory({ id: 'sha256:child', config: child, tags: ['mine:latest'] }, (i) => [100, 200][i]!, [{ id: 'sha256:parent', config: parentConfig, tags: ['busybox:latest'] }]);
    expect(rows.map((r) => [r.id, r.createdBy, r.size, r.comment, r.tags])).toEqual([
      ['sha256:child', 'sh', 200, 'msg', ['mine:latest']],
      ['sha256:parent', '/bin/sh -c #(nop)  CMD ["sh"]', 0, '', ['busybox:latest']],
      ['', '/bin/sh -c #(nop) ADD file:x in / ', 100, '', []],
    ]);
  });
});
