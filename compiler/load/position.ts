/**
 * Offsets → line:column. `offset` stays the UTF-16 index into the decoded text (what JavaScript strings and the
 * YAML parser use); `col` counts Unicode code points from the line start. Code points, not UTF-16 units or bytes,
 * because that is what a user's editor cursor steps over: 客 or 😀 is one column to a person moving the cursor,
 * while it is 3–4 bytes and 1–2 UTF-16 units. The SARIF reporter declares `columnKind: unicodeCodePoints`.
 */
import type { Pos, SourceRange } from '../diagnostics/diagnostic.ts';

export class LineIndex {
  readonly text: string;
  /** UTF-16 offset of the first character of each line. */
  readonly lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
  }

  /** Position of a UTF-16 offset (clamped into the text). */
  pos(offset: number): Pos {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    const start = this.lineStarts[lo] ?? 0;
    let col = 1;
    for (let i = start; i < at; i++) {
      const c = this.text.charCodeAt(i);
      // The low half of a surrogate pair is part of the code point already counted.
      if (c < 0xdc00 || c > 0xdfff || i === start || !isHighSurrogate(this.text.charCodeAt(i - 1))) col++;
    }
    return { line: lo + 1, col, offset: at };
  }

  range(file: string, start: number, end: number): SourceRange {
    return { file, start: this.pos(start), end: this.pos(Math.max(start, end)) };
  }

  /** The text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return '';
    const next = this.lineStarts[line];
    const raw = this.text.slice(start, next === undefined ? this.text.length : next - 1);
    return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  }

  /** Offset of the end of the line holding `offset` (before its line break). */
  lineEnd(offset: number): number {
    let end = this.text.indexOf('\n', offset);
    if (end === -1) end = this.text.length;
    if (end > offset && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
