import { describe, expect, it } from 'vitest';
import { deletedContainersOutput } from '../../src/commands/container-prune.js';
import { deletedImagesOutput } from '../../src/commands/image-prune.js';
import { systemPruneReport, systemPruneWarning } from '../../src/commands/system-prune.js';
import { pruneFilterFlags } from '../../src/filter-flag.js';

describe('prune output, as Docker 20.10 prints it', () => {
  it('warns of what system prune removes, with the filters sorted', () => {
    expect(systemPruneWarning(false, false)).toBe(
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - all partial downloads no pull is using\n',
    );
    expect(systemPruneWarning(true, true, ['until=1h', 'Label=a', 'label!=b'])).toBe(
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all volumes not used by at least one container\n' +
        '  - all images without at least one container associated to them\n  - all partial downloads no pull is using\n\n' +
        '  Items to be pruned will be filtered with:\n  - label!=b\n  - label=a\n  - until=1h\n',
    );
  });

  it('reports each kind removed in its own block, in Docker order', () => {
    expect(deletedContainersOutput([])).toBe('');
    expect(deletedImagesOutput([], [])).toBe('');
    expect(
      systemPruneReport({
        containersDeleted: ['c1'], networksDeleted: ['n1'], volumesDeleted: ['v1'], imagesUntagged: ['a:latest'], imagesDeleted: ['sha256:1'],
        partialDownloads: [], reclaimedBytes: 0,
      }),
    ).toBe('Deleted Containers:\nc1\n\nDeleted Networks:\nn1\n\nDeleted Volumes:\nv1\n\nDeleted Images:\nuntagged: a:latest\ndeleted: sha256:1\n\n');
  });

  it('sends until as Unix seconds and leaves other filters as given', () => {
    const now = Date.now();
    const [until, label] = pruneFilterFlags(['until=1h', 'label=a=b'], 'container prune');
    expect(label).toEqual({ key: 'label', value: 'a=b' });
    expect(Math.abs(Number(until!.value) - (now / 1000 - 3600))).toBeLessThan(5);
    expect(pruneFilterFlags(['until=2026-01-02T00:00:00Z'], 'image prune')[0]!.value).toBe('1767312000.000000000');
    expect(pruneFilterFlags(['until=soon'], 'image prune')[0]!.value).toBe('soon');
    expect(() => pruneFilterFlags(['nothing'], 'image prune')).toThrow(/bad format of filter/);
  });
});
