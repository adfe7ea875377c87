/** Small Markdown helpers shared by the doc generators: escaping, anchors, code spans. */

/** A table cell: pipes escaped (GitHub reads `\|` as a literal pipe, also inside code spans), one line. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** A code span that survives backticks inside the text. */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A value as shown in docs, in a code span: plain strings verbatim; empty or space-edged strings and everything else as JSON. */
export function value(v: unknown): string {
  const plain = typeof v === 'string' && v !== '' && v.trim() === v;
  return code(plain ? v : JSON.stringify(v));
}

/** Lower-case anchor id from free text: letters, digits and single dashes. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/<key>/g, 'key')
    .replace(/\[\]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Hands out anchor ids, numbering repeats so every heading can be linked. */
export class Anchors {
  readonly #used = new Map<string, number>();
  next(text: string): string {
    const base = slug(text) || 'section';
    const seen = this.#used.get(base) ?? 0;
    this.#used.set(base, seen + 1);
    return seen === 0 ? base : `${base}-${seen + 1}`;
  }
}
