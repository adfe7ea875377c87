import fc from 'fast-check';
import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { parsePromText, sum, type Sample } from './promtext.ts';

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
function render(s: Sample): string {
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',');
  const value = Number.isNaN(s.value) ? 'NaN' : s.value === Infinity ? '+Inf' : s.value === -Infinity ? '-Inf' : String(s.value);
  return `${s.name}${labels ? `{${labels}}` : ''} ${value}`;
}

const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
const sample = fc.record({
  name,
  labels: fc.dictionary(labelName, fc.string({ maxLength: 12 }), { maxKeys: 4 }),
  value: fc.oneof(fc.double({ noNaN: false }), fc.integer()),
});

describe('parsePromText', () => {
  test('reads back what the exposition format writes (labels with quotes, backslashes, newlines; NaN and ±Inf)', () => {
    fc.assert(fc.property(fc.array(sample, { maxLength: 20 }), (samples) => {
      const text = ['# HELP x y', ...samples.map(render), ''].join('\n');
      const parsed = parsePromText(text);
      expect(parsed.length).toBe(samples.length);
      parsed.forEach((p, i) => {
        const want = samples[i] as Sample;
        expect(p.name).toBe(want.name);
        expect(p.labels).toEqual({ ...want.labels });
        expect(Object.is(p.value, want.value) || (p.value === 0 && want.value === 0)).toBe(true);
      });
    }));
  });

  test('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => { parsePromText(text); }));
  });

  test('reads prom-client output, timestamps and malformed lines skipped', async () => {
    const registry = new Registry();
    new Counter({ name: 'syncspec_records_delivered_total', help: 'h', labelNames: ['spec'], registers: [registry] }).inc({ spec: 'a' }, 7);
    new Gauge({ name: 'syncspec_dlq_size', help: 'h', labelNames: ['spec'], registers: [registry] }).set({ spec: 'a' }, 2);
    const samples = parsePromText(`${await registry.metrics()}\nbroken{x="1" 5\nsyncspec_dlq_size{spec="b"} 4 1700000000000\n`);
    expect(sum(samples, 'syncspec_records_delivered_total', { spec: 'a' })).toBe(7);
    expect(sum(samples, 'syncspec_dlq_size')).toBe(6);
    expect(sum(samples, 'syncspec_dlq_size', { spec: 'c' })).toBeUndefined();
  });
});
