import { describe, expect, it } from 'vitest';
import { WorkerMetrics, type BacklogSource } from './metrics.ts';

describe('WorkerMetrics', () => {
  it('creates every series of a spec at zero and reads the backlog on scrape', async () => {
    let failing = false;
    const backlog: BacklogSource = {
      depth: async () => (failing ? Promise.reject(new Error('down')) : { orders: 7 }),
      oldestPending: async () => ({ orders: 40_000 }),
      deadLetterCounts: async () => ({ orders: 2 }),
    };
    const m = new WorkerMetrics({ backlog, now: () => 100_000 });
    m.addSpec('orders');
    m.addSpec('customers');
    m.addConnection('kingdee-prod');
    m.breakerChanged('kingdee-prod', 'open');
    m.delivered.inc({ spec: 'orders' }, 3);
    m.latency.observe({ spec: 'orders' }, 0.2);
    const text = await m.text();
    for (const line of [
      'syncspec_records_received_total{spec="customers",trigger="webhook"} 0',
      'syncspec_records_failed_total{spec="customers",class="throttled"} 0',
      'syncspec_records_dead_lettered_total{spec="customers",class="bad-mapping"} 0',
      'syncspec_records_skipped_total{spec="customers",reason="echo"} 0',
      'syncspec_records_delivered_total{spec="orders"} 3',
      'syncspec_delivery_latency_seconds_bucket{le="0.25",spec="orders"} 1',
      'syncspec_delivery_latency_seconds_count{spec="customers"} 0',
      'syncspec_inbox_depth{spec="orders"} 7',
      'syncspec_inbox_depth{spec="customers"} 0',
      'syncspec_freshness_seconds{spec="orders"} 60',
      'syncspec_freshness_seconds{spec="customers"} 0',
      'syncspec_dlq_size{spec="orders"} 2',
      'syncspec_breaker_state{connection="kingdee-prod"} 2',
    ]) {
      expect(text).toContain(line);
    }
    // A store outage during a scrape keeps the last values instead of failing the scrape.
    failing = true;
    expect(await m.text()).toContain('syncspec_inbox_depth{spec="orders"} 7');
  });
});
