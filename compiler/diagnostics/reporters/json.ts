/** Machine report: stable key order, diagnostics sorted by file, position, code; no timestamps or absolute paths added. */
import { sortDiagnostics, type Diagnostic } from '../diagnostic.ts';

export function renderJson(diagnostics: readonly Diagnostic[], fileCount: number, documentCount: number): string {
  const sorted = sortDiagnostics(diagnostics).map((d) => {
    const o: Record<string, unknown> = { code: d.code, severity: d.severity, summary: d.summary };
    if (d.detail !== undefined) o.detail = d.detail;
    if (d.suggestion !== undefined) o.suggestion = d.suggestion;
    if (d.range) {
      o.range = {
        file: d.range.file,
        start: { line: d.range.start.line, col: d.range.start.col, offset: d.range.start.offset },
        end: { line: d.range.end.line, col: d.range.end.col, offset: d.range.end.offset },
      };
    }
    return o;
  });
  const count = (s: string) => diagnostics.filter((d) => d.severity === s).length;
  return `${JSON.stringify({ summary: { files: fileCount, documents: documentCount, errors: count('error'), warnings: count('warning'), infos: count('info') }, diagnostics: sorted }, null, 2)}\n`;
}
