/** SARIF 2.1.0 for code-scanning uploads: every registered code is a rule with its explanation as help text. */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { codes, type CodeInfo } from '../codes.ts';
import type { Diagnostic } from '../diagnostic.ts';

const level = (s: Diagnostic['severity']): string => (s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note');

function artifactUri(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return file.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

const ruleName = (title: string): string =>
  title.replace(/[^A-Za-z0-9 ]/g, ' ').split(/\s+/).filter(Boolean).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

export function renderSarif(diagnostics: readonly Diagnostic[], toolVersion: string): string {
  const registry = codes as Record<string, CodeInfo>;
  const ruleIds = Object.keys(registry).sort();
  const extra = [...new Set(diagnostics.map((d) => d.code))].filter((c) => !(c in registry)).sort();
  const allIds = [...ruleIds, ...extra];
  const index = new Map(allIds.map((id, i) => [id, i]));
  const rules = allIds.map((id) => {
    const info = registry[id];
    const title = info?.title ?? id;
    const explanation = info?.explanation ?? 'No explanation registered for this code.';
    return {
      id,
      name: ruleName(title) || id,
      shortDescription: { text: title },
      fullDescription: { text: explanation },
      help: { text: `${title}\n\n${explanation}\n\nRun \`syncspec explain ${id}\` for this text in a terminal.` },
      ...(info?.retired ? { properties: { retired: true } } : {}),
    };
  });
  const results = diagnostics.map((d) => {
    const text = [d.summary, d.detail, d.suggestion !== undefined ? `Fix: ${d.suggestion}` : undefined].filter((x) => x !== undefined).join('\n');
    return {
      ruleId: d.code,
      ruleIndex: index.get(d.code) ?? 0,
      level: level(d.severity),
      message: { text },
      ...(d.range
        ? {
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: artifactUri(d.range.file) },
                  region: { startLine: d.range.start.line, startColumn: d.range.start.col, endLine: d.range.end.line, endColumn: d.range.end.col },
                },
              },
            ],
          }
        : {}),
    };
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'syncspec', version: toolVersion, informationUri: 'https://github.com/syncspec/syncspec', rules } },
        // Columns count Unicode code points (see compiler/load/position.ts).
        columnKind: 'unicodeCodePoints',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
