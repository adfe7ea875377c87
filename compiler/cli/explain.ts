/** `syncspec explain SS2001` — the code's title and explanation; an unknown code exits 2 with a suggestion. */
import { EXIT_OK, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import { codeInfo, codes } from '../diagnostics/codes.ts';
import { closest } from '../diagnostics/did-you-mean.ts';

function wrap(text: string, width = 78): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && [...line].length + 1 + [...word].length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const given = args.filter((a) => !a.startsWith('-'));
  if (given.length !== 1) {
    io.stderr('Usage: syncspec explain <code>   e.g. syncspec explain SS2001\n');
    return EXIT_USAGE;
  }
  const code = (given[0] ?? '').trim().toUpperCase();
  const info = codeInfo(code);
  if (!info) {
    const known = Object.keys(codes);
    // Prefer a code of the same phase (SS2…) before any code at all.
    const guess = closest(code, known.filter((k) => k.slice(0, 3) === code.slice(0, 3))) ?? closest(code, known);
    io.stderr(`syncspec explain: unknown code "${given[0]}"${guess ? ` — did you mean ${guess}?` : ''}\nCodes run SS1xxx (load), SS2xxx (schema), SS3xxx (semantics), SS4xxx (emit), SS5xxx (runtime), SS6xxx (operator).\n`);
    return EXIT_USAGE;
  }
  io.stdout(`${code} — ${info.title}${info.retired ? ' (retired)' : ''}\n\n${wrap(info.explanation)}\n`);
  return EXIT_OK;
}
