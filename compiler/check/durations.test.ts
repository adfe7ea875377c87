import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDurations, isSemver, parseDuration, parsePercent } from './durations.ts';
import { indexRepo } from './repo.ts';
import { brief, docsFrom, ORDER_SPEC } from './testing.ts';

const run = (spec: string) => checkDurations(indexRepo(docsFrom({ 'specs/o.yaml': spec })));

describe('parseDuration', () => {
  it('parses unit sequences, largest first', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1m30s250ms')).toBe(90_250);
    expect(parseDuration('0s')).toBe(0);
    for (const bad of ['', '5', 'm', '5 m', '30m1h', '1.5h', '-1s', '5mm', '400d']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('round-trips every composed duration (property)', () => {
    fc.assert(
      fc.property(fc.record({ d: fc.nat(300), h: fc.nat(23), m: fc.nat(59), s: fc.nat(59), ms: fc.nat(999) }), (p) => {
        const text = `${p.d}d${p.h}h${p.m}m${p.s}s${p.ms}ms`;
        expect(parseDuration(text)).toBe((((p.d * 24 + p.h) * 60 + p.m) * 60 + p.s) * 1000 + p.ms);
      }),
    );
    fc.assert(fc.property(fc.string(), (text) => void parseDuration(text)));
  });
});

describe('parsePercent and isSemver', () => {
  it('parse what the spec language allows', () => {
    expect(parsePercent('0.5%')).toBe(0.5);
    expect(parsePercent('100%')).toBe(100);
    expect(parsePercent('0.5')).toBeUndefined();
    expect(isSemver('2.1.0')).toBe(true);
    expect(isSemver('1.0.0-rc.1+build.5')).toBe(true);
    for (const bad of ['2.1', 'v2.1.0', '01.0.0', '1.0.0-', '']) expect(isSemver(bad)).toBe(false);
  });
});

describe('checkDurations', () => {
  it('is silent on a valid spec', () => {
    expect(run(ORDER_SPEC)).toEqual([]);
  });

  it('reports overlap ≥ every at the overlap', () => {
    const ds = run(ORDER_SPEC.replace('overlap: 2m', 'overlap: 5m'));
    expect(brief(ds)).toEqual(['SS3011 specs/o.yaml:12:59']);
    expect(ds[0]?.summary).toBe('poll.overlap (5m) must be shorter than poll.every (5m)');
  });

  it('reports zero, unparsable and out-of-order durations, error rates and versions together', () => {
    const spec = ORDER_SPEC.replace('every: 5m', 'every: 0s')
      .replace('latency: { p95: 60s }', 'latency: { p50: 2m, p95: 60s }')
      .replace('errorRate: 0.5%', 'errorRate: 120%')
      .replace('maxWait: 2s', 'maxWait: 2h')
      .replace('initial: 1s, max: 5m', 'initial: 10m, max: 5m')
      .replace('version: 2.1.0', 'version: "2.1"');
    expect(run(spec).map((d) => d.code)).toEqual(['SS3013', 'SS3010', 'SS3011', 'SS3012', 'SS3011', 'SS3011']);
  });

  it('warns when a polling-only spec promises fresher data than it polls', () => {
    const spec = ORDER_SPEC.replace('    - webhook: { events: [created, updated] }\n', '').replace('freshness: 10m', 'freshness: 1m');
    expect(run(spec).map((d) => `${d.code} ${d.severity}`)).toEqual(['SS3011 warning']);
  });
});
