/** Terminal report: location, severity, code, summary, the source line with a caret/tildes under the range, detail, fix. */
import type { Diagnostic } from '../diagnostic.ts';
import { isSensitive } from '../sensitive.ts';

export interface PrettyOptions {
  color: boolean;
  /** File → text, to print the offending line. */
  sources: ReadonlyMap<string, string | undefined>;
}

const ansi = (on: boolean) => {
  const wrap = (code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: wrap('31'), yellow: wrap('33'), cyan: wrap('36'), dim: wrap('2'), bold: wrap('1'), green: wrap('32') };
};

/** NO_COLOR (any non-empty value, no-color.org) and a non-terminal stdout both turn colour off. */
export function useColor(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return isTTY;
}

/** Terminal cells a character takes: East Asian wide/fullwidth and emoji take two, so the caret lines up under 客户编号. */
export function cellWidth(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x1100) return 1;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

function lineOf(text: string, line: number): string | undefined {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return undefined;
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  const raw = text.slice(start, end === -1 ? text.length : end);
  return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
}

/** Makes control characters visible so a source line can never rewrite the terminal. */
function visible(s: string): string {
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Longest source line shown whole, and how much of it to keep before the range when it is cut. */
const MAX_SHOWN = 160;
const CONTEXT = 40;

export function renderPretty(diagnostics: readonly Diagnostic[], options: PrettyOptions): string {
  const c = ansi(options.color);
  const out: string[] = [];
  for (const d of diagnostics) {
    const sev = d.severity === 'error' ? c.red(c.bold('error')) : d.severity === 'warning' ? c.yellow(c.bold('warning')) : c.cyan('info');
    const where = d.range ? `${d.range.file}:${d.range.start.line}:${d.range.start.col}` : '<no file>';
    out.push(`${c.bold(where)}: ${sev} ${c.dim(d.code)}: ${visible(d.summary)}`);
    const text = d.range ? options.sources.get(d.range.file) : undefined;
    const src = d.range && text !== undefined ? lineOf(text, d.range.start.line) : undefined;
    if (d.range && src !== undefined) {
      const gutter = String(d.range.start.line);
      let chars = [...src];
      let startCol = d.range.start.col;
      let endCol = d.range.end.line === d.range.start.line ? Math.max(d.range.end.col, startCol + 1) : chars.length + 1;
      // A credential under the range is never printed (see ../sensitive.ts).
      if (isSensitive(d)) chars = chars.map((ch, i) => (i >= startCol - 1 && i < endCol - 1 ? '*' : ch));
      // A very long line (minified or generated) is shown as a window around the range.
      if (chars.length > MAX_SHOWN) {
        const from = Math.max(0, Math.min(startCol - 1 - CONTEXT, chars.length - MAX_SHOWN));
        const shown = chars.slice(from, from + MAX_SHOWN);
        const lead = from > 0 ? ['…'] : [];
        chars = [...lead, ...shown, ...(from + MAX_SHOWN < chars.length ? ['…'] : [])];
        startCol = startCol - from + lead.length;
        endCol = Math.min(endCol - from + lead.length, lead.length + shown.length + 1);
      }
      const line = chars.join('');
      // Copy tabs from the source so the marker lines up whatever the terminal's tab width.
      const pad = chars.slice(0, startCol - 1).map((ch) => (ch === '\t' ? '\t' : ' '.repeat(cellWidth(ch)))).join('');
      const span = chars.slice(startCol - 1, Math.max(startCol, endCol - 1)).reduce((n, ch) => n + (ch === '\t' ? 1 : cellWidth(ch)), 0);
      const marker = `^${'~'.repeat(Math.max(0, span - 1))}`;
      out.push(`${c.dim(`${gutter} |`)} ${visible(line)}`);
      out.push(`${c.dim(`${' '.repeat(gutter.length)} |`)} ${pad}${d.severity === 'error' ? c.red(marker) : c.yellow(marker)}`);
    }
    if (d.detail) out.push(...visible(d.detail).split('\n').map((l) => `  ${l}`));
    if (d.suggestion !== undefined) out.push(`  ${c.green('fix:')} ${visible(d.suggestion)}`);
    out.push('');
  }
  return out.join('\n');
}

export function prettySummary(diagnostics: readonly Diagnostic[], fileCount: number, documentCount: number, color: boolean): string {
  const c = ansi(color);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  const checked = `${fileCount} file${fileCount === 1 ? '' : 's'}, ${documentCount} document${documentCount === 1 ? '' : 's'} checked`;
  if (errors === 0 && warnings === 0) return `${c.green('✔')} ${checked}: no problems\n`;
  const parts = [`${errors} error${errors === 1 ? '' : 's'}`, `${warnings} warning${warnings === 1 ? '' : 's'}`];
  return `${errors > 0 ? c.red('✖') : c.yellow('!')} ${parts.join(', ')} (${checked})\n`;
}
