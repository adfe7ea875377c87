/** Spec positions: `specs/x.yaml:12:14` strings carried into generated code, and ranges inside expressions. */
import type { ExprDiagnostic } from '../cel/api.ts';
import { exprRange } from '../check/cel-syntax.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { DataPath, LoadedDocument } from '../model.ts';

/** The spec file as written into generated code: always `/`-separated, so output is the same on every OS. */
export function portablePath(file: string): string {
  return file.replace(/\\/g, '/');
}

/** `file:line:col` of the value at `path` (1-based line and column). */
export function positionOf(doc: LoadedDocument, path: DataPath): string {
  const start = doc.valueStart(path);
  return `${portablePath(doc.file)}:${start.line}:${start.col}`;
}

/**
 * `obj` with an `at` (`file:line:col`) worked out on first read. Positions come from a second, position-keeping
 * parse of the file, which `syncspec validate` (no output, no diagnostic) never needs; plan and emit read them.
 */
export function withLazyAt<T extends object>(obj: T, doc: LoadedDocument, path: DataPath): T & { readonly at: string } {
  let at: string | undefined;
  return Object.defineProperty(obj, 'at', { enumerable: true, configurable: true, get: () => (at ??= positionOf(doc, path)) }) as T & { readonly at: string };
}

export function fromExprDiagnostic(doc: LoadedDocument, path: DataPath, d: ExprDiagnostic): Diagnostic {
  const out: Diagnostic = { code: d.code, severity: d.severity, summary: d.summary, range: exprRange(doc, path, d.start, d.end) };
  if (d.detail !== undefined) out.detail = d.detail;
  if (d.suggestion !== undefined) out.suggestion = d.suggestion;
  return out;
}
