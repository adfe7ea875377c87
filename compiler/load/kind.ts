/** Kind and apiVersion dispatch: which schema a document is checked against. */
import { closest } from '../diagnostics/did-you-mean.ts';
import type { Diagnostic, SourceRange } from '../diagnostics/diagnostic.ts';
import { API_VERSION, KINDS, type DataPath, type Kind } from '../model.ts';

export interface Identity {
  kind: Kind;
  apiVersion: string;
  name: string | undefined;
}

type Locate = (path: DataPath, part?: 'key' | 'value') => SourceRange;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function identify(value: unknown, locate: Locate): Identity | Diagnostic {
  if (!isRecord(value)) {
    const what = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value} value`;
    return {
      code: 'SS1007',
      severity: 'error',
      summary: `Document is ${what}, not a mapping with apiVersion and kind`,
      detail: `A spec document is a mapping that starts with "apiVersion: ${API_VERSION}" and "kind: <${KINDS.join('|')}>".`,
      range: locate([]),
    };
  }
  const { kind, apiVersion } = value;
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') {
    const missing = [typeof apiVersion !== 'string' ? 'apiVersion' : undefined, typeof kind !== 'string' ? 'kind' : undefined].filter((x) => x !== undefined);
    const present = (missing.length === 1 && missing[0] === 'kind' ? kind : apiVersion) !== undefined;
    return {
      code: 'SS1010',
      severity: 'error',
      summary: present ? `"${missing.join('" and "')}" must be a string` : `Document has no ${missing.map((m) => `"${m}"`).join(' and ')}`,
      detail: `Every spec document starts with "apiVersion: ${API_VERSION}" and "kind: <${KINDS.join('|')}>".`,
      range: present ? locate([missing[0] ?? 'kind']) : firstLineOf(locate([]), value),
    };
  }
  if (!(KINDS as readonly string[]).includes(kind)) {
    const suggestion = closest(kind, KINDS);
    return {
      code: 'SS1008',
      severity: 'error',
      summary: `Unknown kind "${kind}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
      detail: `Known kinds: ${KINDS.join(', ')}.`,
      range: locate(['kind']),
      ...(suggestion ? { suggestion } : {}),
    };
  }
  if (apiVersion !== API_VERSION) {
    return {
      code: 'SS1009',
      severity: 'error',
      summary: `Unsupported apiVersion "${apiVersion}" for kind ${kind}`,
      detail: `This version of syncspec reads apiVersion "${API_VERSION}".`,
      range: locate(['apiVersion']),
      suggestion: API_VERSION,
    };
  }
  const metadata = value.metadata;
  const name = isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : undefined;
  return { kind: kind as Kind, apiVersion, name };
}

/** The document's first key (where kind/apiVersion belong) rather than the whole document. */
function firstLineOf(r: SourceRange, value: Record<string, unknown>): SourceRange {
  return r.end.line === r.start.line ? r : { file: r.file, start: r.start, end: { line: r.start.line, col: r.start.col + [...(Object.keys(value)[0] ?? '')].length, offset: r.start.offset + (Object.keys(value)[0] ?? '').length } };
}
