/** Reconciliation reports: JSON for machines, one self-contained HTML page for people. */
import type { ReconcileResult } from './engine.ts';
import type { Difference } from './types.ts';

/** Deterministic JSON: the run figures (time, memory) are left out unless asked for. */
export function jsonReport(result: ReconcileResult, opts: { includeRun?: boolean } = {}): string {
  const body = opts.includeRun ? { ...result, run: result.run } : { summary: result.summary, differences: result.differences };
  return `${JSON.stringify(body, null, 2)}\n`;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
const show = (v: unknown): string => escapeHtml(v === null || v === undefined ? '∅' : typeof v === 'string' ? v : JSON.stringify(v));

function rows(d: Difference): string {
  switch (d.kind) {
    case 'missing':
      return `<tr data-kind="missing"><td>missing</td><td>${escapeHtml(d.key)}</td><td>${escapeHtml(d.sourceId)}</td><td></td><td colspan="3">not in target</td></tr>`;
    case 'extra':
      return `<tr data-kind="extra"><td>extra</td><td>${escapeHtml(d.key)}</td><td></td><td>${escapeHtml(d.targetId)}</td><td colspan="3">not in source</td></tr>`;
    case 'different':
      return d.fields
        .map(
          (f, i) =>
            `<tr data-kind="different" data-field="${escapeHtml(f.field)}"><td>${i === 0 ? 'different' : ''}</td><td>${escapeHtml(d.key)}</td><td>${escapeHtml(d.sourceId)}</td><td>${escapeHtml(d.targetId)}</td><td>${escapeHtml(f.field)}</td><td>${show(f.source)}</td><td>${show(f.target)}</td></tr>`,
        )
        .join('\n');
    case 'unmappable':
      return `<tr data-kind="unmappable"><td>unmappable</td><td></td><td>${escapeHtml(d.sourceId)}</td><td></td><td colspan="3">${escapeHtml(d.errors.map((e) => `${e.path}: ${e.message} (${e.at})`).join('; '))}</td></tr>`;
  }
}

export function htmlReport(result: ReconcileResult): string {
  const { summary, differences } = result;
  const c = summary.counts;
  const fieldRows = Object.entries(summary.fieldMismatches)
    .map(([f, n]) => `<tr><td>${escapeHtml(f)}</td><td class="n">${n}</td></tr>`)
    .join('\n');
  const fieldOptions = Object.keys(summary.fieldMismatches)
    .map((f) => `<option value="${escapeHtml(f)}">${escapeHtml(f)}</option>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reconciliation — ${escapeHtml(summary.spec)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}.n{text-align:right}
.ok{color:#176b2c}.bad{color:#a61b1b}tr[hidden]{display:none}
</style></head><body>
<h1>Reconciliation: ${escapeHtml(summary.spec)}</h1>
<p class="${c.missing + c.extra + c.different + c.unmappable === 0 ? 'ok' : 'bad'}">${c.equal} equal · ${c.missing} missing in target · ${c.extra} extra in target · ${c.different} different · ${c.unmappable} unmappable</p>
<table><tr><th>source records</th><td class="n">${c.source}</td></tr><tr><th>filtered out by the spec</th><td class="n">${c.filtered}</td></tr><tr><th>target records</th><td class="n">${c.target}</td></tr></table>
<h2>Mismatches per field</h2>
<table><tr><th>field</th><th>records</th></tr>
${fieldRows || '<tr><td colspan="2">none</td></tr>'}
</table>
<h2>Differences${summary.truncated ? ` (first ${summary.listed})` : ''}</h2>
<p><label>Kind <select id="kind"><option value="">all</option><option>missing</option><option>extra</option><option>different</option><option>unmappable</option></select></label>
<label>Field <select id="field"><option value="">all</option>${fieldOptions}</select></label>
<label>Key contains <input id="q" type="search"></label></p>
<table id="diffs"><thead><tr><th>kind</th><th>key</th><th>source id</th><th>target id</th><th>field</th><th>source</th><th>target</th></tr></thead><tbody>
${differences.map(rows).join('\n')}
</tbody></table>
<script>
const rowsEl=[...document.querySelectorAll('#diffs tbody tr')];
function apply(){const k=document.getElementById('kind').value,f=document.getElementById('field').value,q=document.getElementById('q').value.toLowerCase();
for(const r of rowsEl){r.hidden=(k&&r.dataset.kind!==k)||(f&&r.dataset.field!==f)||(q&&!r.cells[1].textContent.toLowerCase().includes(q));}}
for(const id of ['kind','field','q'])document.getElementById(id).addEventListener('input',apply);
</script>
</body></html>
`;
}
