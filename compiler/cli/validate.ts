/** `syncspec validate [paths…] [--format pretty|json|sarif|github] [--strict]` — exit 0 clean, 1 problems, 2 usage/I-O. */
import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import { closest } from '../diagnostics/did-you-mean.ts';
import { FORMATS, prettySummary, renderGithub, renderJson, renderPretty, renderSarif, useColor, type Format } from '../diagnostics/reporters/index.ts';
import { runPipeline } from '../pipeline.ts';

export async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string', short: 'f', default: 'pretty' }, strict: { type: 'boolean', default: false } },
    });
  } catch (err) {
    io.stderr(`syncspec validate: ${err instanceof Error ? err.message : String(err)}\nUsage: syncspec validate [paths…] [--format ${FORMATS.join('|')}] [--strict]\n`);
    return EXIT_USAGE;
  }
  const format = parsed.values.format ?? 'pretty';
  if (!(FORMATS as readonly string[]).includes(format)) {
    const guess = closest(format, FORMATS);
    io.stderr(`syncspec validate: unknown format "${format}"${guess ? ` — did you mean "${guess}"?` : ''} (one of ${FORMATS.join(', ')})\n`);
    return EXIT_USAGE;
  }
  const paths = parsed.positionals.length > 0 ? parsed.positionals : ['.'];
  const result = runPipeline(paths, { cwd: io.cwd });
  const { diagnostics } = result;
  const color = useColor(io.env, io.isTTY);
  switch (format as Format) {
    case 'pretty': {
      const report = renderPretty(diagnostics, { color, sources: result.sources });
      io.stdout(report + prettySummary(diagnostics, result.files.length, result.documents.length, color));
      break;
    }
    case 'json':
      io.stdout(renderJson(diagnostics, result.files.length, result.documents.length));
      break;
    case 'sarif': {
      const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
      io.stdout(renderSarif(diagnostics, pkg.version));
      break;
    }
    case 'github':
      io.stdout(renderGithub(diagnostics));
      break;
  }
  if (result.ioError) return EXIT_USAGE;
  if (diagnostics.some((d) => d.severity === 'error')) return EXIT_PROBLEMS;
  if (parsed.values.strict && diagnostics.some((d) => d.severity === 'warning')) return EXIT_PROBLEMS;
  return EXIT_OK;
}
