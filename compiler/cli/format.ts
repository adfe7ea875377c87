/** Plain `file:line:col: severity CODE: summary` lines for the generator commands. */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';

export function formatDiagnostics(ds: readonly Diagnostic[]): string {
  const lines = ds.map((d) => {
    const where = d.range ? `${d.range.file}:${d.range.start.line}:${d.range.start.col}: ` : '';
    const out = [`${where}${d.severity} ${d.code}: ${d.summary}`];
    if (d.detail) out.push(`  ${d.detail.replace(/\n/g, '\n  ')}`);
    if (d.suggestion) out.push(`  did you mean: ${d.suggestion}`);
    return out.join('\n');
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
