/** The demo's closing summary, rendered from its report (pure: same report, same text). */
import type { DemoReport } from './run.ts';

const fmtSeconds = (s: number | undefined): string => (s === undefined ? '-' : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);
const n = (x: number): string => x.toLocaleString('en-US');

function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (c: string, i: number) => (rightAligned.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0));
  return [header, ...rows].map((r) => `  ${r.map(cell).join('  ').trimEnd()}`);
}

/** Keeps a reason on one line and short; the full text is in `syncspec dlq show`. */
function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function renderSummary(r: DemoReport, options: { color: boolean; keepRunning: boolean; storeKept: boolean; dlqPerSpec?: number }): string {
  const bold = (s: string) => (options.color ? `\x1b[1m${s}\x1b[0m` : s);
  const red = (s: string) => (options.color ? `\x1b[31m${s}\x1b[0m` : s);
  const green = (s: string) => (options.color ? `\x1b[32m${s}\x1b[0m` : s);
  const out: string[] = [''];
  out.push(bold(`syncspec demo — Salesforce → Kingdee K3Cloud, ${n(r.records)} customers and their orders (seed ${r.seed})`), '');
  out.push(
    ...table(
      ['spec', 'sent', 'synced', 'filtered', 'dead-lettered', 'p50', 'p99', 'time'],
      r.specs.map((s) => [s.spec, n(s.sent), n(s.synced), n(s.filtered), n(s.deadLettered), fmtSeconds(s.p50), fmtSeconds(s.p99), `${s.seconds.toFixed(1)} s`]),
      new Set([1, 2, 3, 4, 5, 6, 7]),
    ),
  );
  out.push('', '  latency: stored in the inbox → confirmed by Kingdee (the worker\'s syncspec_delivery_latency_seconds histogram)', '');

  out.push(bold('Write effects in the Kingdee emulator, per business key'));
  for (const s of r.specs) {
    const verdict = s.duplicateCreates === 0 && s.updates === 0 ? 'each written exactly once' : red(`${s.duplicateCreates} created twice, ${s.updates} written again`);
    out.push(`  ${s.entity.padEnd(14)} ${n(s.keys)} keys, ${verdict}`);
  }
  out.push(`  redelivery     ${n(r.redelivery.webhooks)} duplicated/reordered webhook deliveries + ${n(r.redelivery.polled)} re-polled orders → ${r.redelivery.newWrites === 0 ? 'no new writes' : red(`${r.redelivery.newWrites} new writes`)}`);
  out.push(`  special chars  ${r.awkwardIntact.intact}/${r.awkwardIntact.checked} names with quotes, emoji, <script>, backslashes or newlines arrived intact`, '');

  // A few entries of each spec, so every kind of failure shows; each reason on its own line.
  const perSpec = options.dlqPerSpec ?? 3;
  const shown = [...new Set(r.deadLetters.map((d) => d.spec))].flatMap((spec) => r.deadLetters.filter((d) => d.spec === spec).slice(0, perSpec));
  out.push(bold(`Dead-letter queue: ${r.deadLetters.length} entr${r.deadLetters.length === 1 ? 'y' : 'ies'}${shown.length < r.deadLetters.length ? ` (first ${perSpec} of each spec)` : ''}`));
  for (const d of shown) {
    out.push(`  ${d.spec}  ${d.sourceId}  ${d.class}  ${d.code}`);
    out.push(`      ${oneLine(d.reason, 160)}`);
  }
  out.push(options.storeKept ? `  inspect and replay: syncspec dlq list --store ${r.store}` : '  (the store is removed at exit; --dir <dir> or --keep-running keeps it for `syncspec dlq list --store …`)', '');

  if (r.reconcile) {
    const { before: b, after: a } = r.reconcile;
    out.push(bold(`Consistency check (syncspec reconcile ${r.reconcile.spec}) after a rename and a hand-keyed customer in Kingdee`));
    out.push(...table(
      ['', 'equal', 'different', 'missing', 'extra', 'unmappable'],
      [['before', n(b.equal), n(b.different), n(b.missing), n(b.extra), n(b.unmappable)], [`after --repair (${n(r.reconcile.repaired)} re-sent)`, n(a.equal), n(a.different), n(a.missing), n(a.extra), n(a.unmappable)]],
      new Set([1, 2, 3, 4, 5]),
    ));
    out.push('  left after the repair: customers Kingdee rejects, addresses the mapping cannot convert, the hand-keyed customer', `  report: ${r.reconcile.html}${options.storeKept ? '' : ' (removed at exit; --dir or --keep-running keeps it)'}`, '');
  }

  out.push(bold('Endpoints'));
  out.push(`  metrics     ${r.urls.metrics}`, `  health      ${r.urls.health}`, `  salesforce  ${r.urls.salesforce}`, `  kingdee     ${r.urls.kingdee}`);
  if (options.storeKept) out.push(`  store       ${r.store}`, `  worker log  ${r.log}`);
  if (!options.keepRunning) out.push('  (stopped with the demo; run with --keep-running to explore them)');
  out.push('');
  if (r.problems.length === 0) {
    out.push(green(`OK: every good record reached Kingdee exactly once and every bad one is in the dead-letter queue with its reason (${r.seconds.toFixed(1)} s).`));
  } else {
    out.push(red(`error SS5095: the demo's outcome differs from the expected one (${r.problems.length} difference${r.problems.length === 1 ? '' : 's'}):`));
    for (const p of r.problems.slice(0, 20)) out.push(`  - ${p}`);
    if (r.problems.length > 20) out.push(`  … and ${r.problems.length - 20} more`);
  }
  out.push('');
  return out.join('\n');
}
