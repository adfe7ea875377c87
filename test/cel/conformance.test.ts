/**
 * The cel-spec conformance suites through syncspec's compiler (check → emit → evaluate). Prints the pass
 * rate per section; fails when a case outside `knownGaps` fails or a listed case passes.
 */
import { describe, expect, it } from 'vitest';
import { passRateTable, runConformance, SECTIONS } from './conformance-runner.ts';
import { knownGaps } from './known-gaps.ts';

describe('cel-spec conformance', () => {
  const results = runConformance();

  it('runs every requested section', () => {
    const seen = new Set(results.map((r) => r.section));
    expect([...seen].sort()).toEqual([...SECTIONS].sort());
    console.log(`CEL conformance pass rates (syncspec compiler):\n${passRateTable(results)}`);
  });

  it('fails only the listed known gaps', () => {
    const unexpected = results.filter((r) => !r.pass && !knownGaps.has(r.path)).map((r) => `${r.path}: ${r.failure}`);
    expect(unexpected).toEqual([]);
  });

  it('lists no case that passes (the gap list stays honest)', () => {
    const nowPassing = results.filter((r) => r.pass && knownGaps.has(r.path)).map((r) => r.path);
    expect(nowPassing).toEqual([]);
  });

  it('lists only cases that exist', () => {
    const paths = new Set(results.map((r) => r.path));
    expect([...knownGaps.keys()].filter((p) => !paths.has(p))).toEqual([]);
  });
});
