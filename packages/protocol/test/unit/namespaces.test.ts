import { describe, expect, it } from 'vitest';
import { namespaceProblem } from '../../src/namespaces.js';

describe('namespace names', () => {
  it("take containerd's rule", () => {
    for (const ok of ['default', 'k8s.io', 'my-tool_2', 'a'.repeat(76)]) expect(namespaceProblem(ok)).toBeUndefined();
    for (const bad of ['', 'no/slash', '-lead', 'trail.', 'a..b', 'a'.repeat(77), 'spa ce']) expect(namespaceProblem(bad)).toBeDefined();
    expect(namespaceProblem('no/slash')).toBe(`namespace "no/slash" is invalid: it must be letters and digits separated by single '.', '_' or '-', at most 76 characters`);
  });
});
