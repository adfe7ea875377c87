/**
 * `npm run bench:reconcile [-- --records 100000,1000000]`: compares N records per side and prints
 * records/second and peak RSS, in memory and with a small memory budget that forces disk spill.
 * The transform is a plain field copy so the figure is the engine's own cost.
 */
import { parseArgs } from 'node:util';
import type { SourceRecord } from '../runtime/support/connector.ts';
import type { CompiledTransform } from '../runtime/support/transform.ts';
import { reconcile } from '../runtime/reconcile/engine.ts';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '100000,1000000' }, budget: { type: 'string', default: 'memory,32' } },
});
const sizes = values.records.split(',').map(Number);
// `memory` = default in-memory budget; a number = that many MiB before partitions spill to disk.
const budgets = values.budget.split(',').map((b) => (b === 'memory' ? undefined : Number(b) * 2 ** 20));

const transform: CompiledTransform = {
  filter: () => true,
  transform: (s) => ({ ok: true, value: { FNumber: s['AccountNumber'], FName: s['Name'], FAmount: s['Amount'], FDate: s['Date'] } }),
};
const normalise = (r: Record<string, unknown>) => ({ FName: r['FName'] ?? null, FAmount: r['FAmount'] ?? null, FDate: r['FDate'] ?? null });

async function* side(n: number, kind: 'source' | 'target', pageSize = 2000): AsyncIterable<SourceRecord[]> {
  for (let start = 0; start < n; start += pageSize) {
    const page: SourceRecord[] = [];
    for (let i = start; i < Math.min(n, start + pageSize); i++) {
      // Every 1000th record differs, every 5000th is missing on the target side.
      if (kind === 'target' && i % 5000 === 4999) continue;
      const name = kind === 'target' && i % 1000 === 0 ? `客户 ${i} (changed)` : `客户 ${i}`;
      const data =
        kind === 'source'
          ? { AccountNumber: `C${i}`, Name: name, Amount: `${i}.50`, Date: '2026-03-01' }
          : { FNumber: `C${i}`, FName: name, FAmount: `${i}.50`, FDate: '2026-03-01' };
      page.push({ id: `${kind}-${i}`, version: '1', data });
    }
    yield page;
  }
}

for (const n of sizes) {
  for (const budget of budgets) {
    const t0 = performance.now();
    const r = await reconcile({
      spec: 'bench', source: side(n, 'source'), target: side(n, 'target'), transform,
      ctx: { lookup: () => undefined, ref: () => undefined }, targetKey: 'FNumber', normalise, maxListed: 1000,
      ...(budget === undefined ? {} : { budgetBytes: budget }),
    });
    const s = (performance.now() - t0) / 1000;
    const c = r.summary.counts;
    console.log(
      `${String(n).padStart(9)} per side ${budget ? `budget ${budget / 2 ** 20} MiB` : 'in memory    '}: ${s.toFixed(2)} s, ` +
        `${Math.round((2 * n) / s).toLocaleString('en')} records/s, peak RSS ${(r.run.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ` +
        `spilled ${r.run.spilledPartitions} partitions; equal ${c.equal}, missing ${c.missing}, different ${c.different}`,
    );
  }
}
