/** One position in a source file. `line` and `col` are 1-based; `offset` is a 0-based UTF-16 index. */
export type Pos = { line: number; col: number; offset: number };
/** A tight span of the offending text. `end` is exclusive. */
export type SourceRange = { file: string; start: Pos; end: Pos };
export type Severity = 'error' | 'warning' | 'info';

/**
 * The one diagnostic shape used by the compiler, the CLI reporters, operator status messages and
 * runtime start-up checks (after hashicorp/hcl: terse summary, actionable detail, tight range).
 */
export interface Diagnostic {
  code: string;
  severity: Severity;
  /** One line that names the thing. */
  summary: string;
  /** Why, and what to change. */
  detail?: string;
  range?: SourceRange;
  /** Replacement text, e.g. the "did you mean" candidate. */
  suggestion?: string;
}

/** An accumulating list: every phase reports all it finds, not the first. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];
  add(d: Diagnostic): void {
    this.items.push(d);
  }
  addAll(ds: Iterable<Diagnostic>): void {
    for (const d of ds) this.items.push(d);
  }
  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

/** Stable order for reports: by file, then position, then code. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => {
    const fa = a.range?.file ?? '';
    const fb = b.range?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const oa = a.range?.start.offset ?? -1;
    const ob = b.range?.start.offset ?? -1;
    if (oa !== ob) return oa - ob;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}
