// The expected lines are dockerd 20.10's own, recorded from a private dockerd
// pulling from and pushing to Debian's docker-registry on loopback.
import { describe, expect, it } from 'vitest';
import { errorMessage, goHumanSize, jsonMessageLine, layerMessage, progressText } from '../../src/json-message.js';

describe("Docker's JSON messages", () => {
  it('sizes as go-units HumanSize does: decimal, four significant digits', () => {
    expect(goHumanSize(0)).toBe('0B');
    expect(goHumanSize(999)).toBe('999B');
    expect(goHumanSize(36445)).toBe('36.45kB');
    expect(goHumanSize(1069674)).toBe('1.07MB');
    expect(goHumanSize(1984162)).toBe('1.984MB');
    expect(goHumanSize(2129920)).toBe('2.13MB');
  });

  it('draws the progress bar as the daemon does (width 200, no time left)', () => {
    expect(progressText(19968, 1984162)).toBe('[>                                                  ]  19.97kB/1.984MB');
    expect(progressText(723456, 1984162)).toBe('[==================>                                ]  723.5kB/1.984MB');
    expect(progressText(1069674, 1069674)).toBe('[==================================================>]   1.07MB/1.07MB');
    // A current past the total (a push's last write) drops the total.
    expect(progressText(2129920, 1984162)).toBe('[==================================================>]   2.13MB');
    expect(progressText(5000, 0)).toBe('     5kB');
    expect(progressText(0, 0)).toBe('');
  });

  it("writes a layer's progress line byte for byte as dockerd", () => {
    expect(jsonMessageLine(layerMessage('c5ce513c3f8e', 'Downloading', 36445, 1069674))).toBe(
      '{"status":"Downloading","progressDetail":{"current":36445,"total":1069674},"progress":"[=\\u003e                                                 ]  36.45kB/1.07MB","id":"c5ce513c3f8e"}\n',
    );
    expect(jsonMessageLine(layerMessage('c5ce513c3f8e', 'Pull complete'))).toBe('{"status":"Pull complete","progressDetail":{},"id":"c5ce513c3f8e"}\n');
    expect(jsonMessageLine({ status: 'Pulling from lib/bb', id: 'v1' })).toBe('{"status":"Pulling from lib/bb","id":"v1"}\n');
    expect(jsonMessageLine({ aux: { Tag: 'v1', Digest: 'sha256:e8', Size: 527 }, progressDetail: {} })).toBe('{"progressDetail":{},"aux":{"Tag":"v1","Digest":"sha256:e8","Size":527}}\n');
  });

  it('writes an error as errorDetail and error, which the docker CLI prints', () => {
    expect(jsonMessageLine(errorMessage('no basic auth credentials'))).toBe('{"errorDetail":{"message":"no basic auth credentials"},"error":"no basic auth credentials"}\n');
  });
});
