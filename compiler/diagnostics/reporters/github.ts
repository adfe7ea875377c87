/** GitHub Actions workflow commands: one `::error file=…::message` line per diagnostic, shown on the PR lines. */
import type { Diagnostic } from '../diagnostic.ts';

/** Message data: %, CR and LF are the command syntax's own characters. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values additionally end at `:` and `,`. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const cmd = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice';
      const props: string[] = [];
      if (d.range) {
        props.push(`file=${escapeProperty(d.range.file.replace(/\\/g, '/'))}`);
        props.push(`line=${d.range.start.line}`, `col=${d.range.start.col}`, `endLine=${d.range.end.line}`, `endColumn=${d.range.end.col}`);
      }
      props.push(`title=${escapeProperty(d.code)}`);
      const message = [d.summary, d.detail, d.suggestion !== undefined ? `Fix: ${d.suggestion}` : undefined].filter((x) => x !== undefined).join('\n');
      return `::${cmd} ${props.join(',')}::${escapeData(message)}\n`;
    })
    .join('');
}
