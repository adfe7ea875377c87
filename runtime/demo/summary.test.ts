import { describe, expect, it } from 'vitest';
import type { DemoReport } from './run.ts';
import { renderSummary } from './summary.ts';

function report(over: Partial<DemoReport> = {}): DemoReport {
  return {
    records: 2000,
    seed: 1,
    specs: [
      { spec: 'crm-account-to-erp-customer', entity: 'BD_Customer', sent: 2000, synced: 1985, filtered: 9, deadLettered: 6, p50: 0.29, p99: 1.72, keys: 1985, duplicateCreates: 0, updates: 0, seconds: 4.2 },
      { spec: 'crm-order-to-erp-sales-order', entity: 'SAL_SaleOrder', sent: 2000, synced: 1984, filtered: 13, deadLettered: 3, p50: undefined, p99: undefined, keys: 1984, duplicateCreates: 0, updates: 0, seconds: 4.1 },
    ],
    deadLetters: [
      ...['001A', '001B', '001C', '001D'].map((id) => ({ spec: 'crm-account-to-erp-customer', sourceId: id, class: 'rejected', code: 'SS5021', reason: `rejected by kingdee-k3cloud:\n  PRE003 ${id}` })),
      { spec: 'crm-order-to-erp-sales-order', sourceId: '801A', class: 'rejected', code: 'SS5021', reason: 'P-9999 '.repeat(40) },
    ],
    awkwardIntact: { checked: 21, intact: 21 },
    redelivery: { webhooks: 40, polled: 2000, newWrites: 0 },
    problems: [],
    urls: { metrics: 'http://127.0.0.1:1/metrics', health: 'http://127.0.0.1:1/healthz', salesforce: 'http://127.0.0.1:2', kingdee: 'http://127.0.0.1:3/k3cloud/' },
    store: '/tmp/d/state.db',
    log: '/tmp/d/worker.log',
    seconds: 10,
    ...over,
  };
}

describe('renderSummary', () => {
  it('shows counts per spec, effects, a few DLQ entries of each spec on one line each, endpoints and the verdict', () => {
    const text = renderSummary(report(), { color: false, keepRunning: false, storeKept: false });
    expect(text).toMatch(/crm-account-to-erp-customer\s+2,000\s+1,985\s+9\s+6\s+290 ms\s+1\.72 s\s+4\.2 s/);
    expect(text).toMatch(/crm-order-to-erp-sales-order\s+2,000\s+1,984\s+13\s+3\s+-\s+-\s+4\.1 s/);
    expect(text).toContain('BD_Customer    1,985 keys, each written exactly once');
    expect(text).toContain('Dead-letter queue: 5 entries (first 3 of each spec)');
    expect(text).toContain('rejected by kingdee-k3cloud: PRE003 001A');
    expect(text).not.toContain('001D');
    expect(text).toMatch(/ {6}(P-9999 ){20}.*…\n/);
    expect(text).not.toContain('/tmp/d/state.db');
    expect(text).toContain('OK: every good record reached Kingdee exactly once');
    expect(text).not.toMatch(/\x1b\[/);
    expect(renderSummary(report(), { color: false, keepRunning: false, storeKept: false })).toBe(text);
  });

  it('names every difference under SS5095 when the outcome is not the expected one', () => {
    const text = renderSummary(report({ problems: ['a: 1 record(s) missing', 'b: 2 key(s) created more than once'], specs: [{ ...report().specs[0]!, duplicateCreates: 2 }] }), { color: false, keepRunning: true, storeKept: true });
    expect(text).toContain("error SS5095: the demo's outcome differs from the expected one (2 differences):");
    expect(text).toContain('  - b: 2 key(s) created more than once');
    expect(text).toContain('2 created twice, 0 written again');
    expect(text).toContain('syncspec dlq list --store /tmp/d/state.db');
    expect(text).not.toContain('OK:');
  });
});
