/**
 * SS3015: credentials appear only as references ({ env }, { file }, { secretKeyRef }). A literal value under a
 * secret-looking key, a password inside a URL or a `password=` in a connection string is an error — and the
 * diagnostic never contains the value, only where it is.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { DataPath, LoadedDocument } from '../model.ts';
import { exprRange } from './cel-syntax.ts';
import { isObj, type Repo } from './repo.ts';

/** Key names that hold a credential, matched as a suffix in any casing and separator style (client_secret, apiKey). */
const SECRET_KEY = /(?:pass(?:word|wd|phrase)|pwd|secret|token|api[-_\s]?key|private[-_\s]?key|credentials?|authorization)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

const URL_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\s:@]*:([^@/\s]+)@/;
const KV_PASSWORD = /(?:^|[;\s])(?:password|pwd)\s*=\s*([^;\s]+)/i;

export function checkSecrets(repo: Repo): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const doc of repo.docs) walk(doc, doc.value, [], out);
  return out;
}

/** Depth-first over every value; `path` is one shared stack (copied only when reporting) to keep the walk allocation-free. */
function walk(doc: LoadedDocument, value: unknown, path: (string | number)[], out: Diagnostic[]): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walk(doc, value[i], path, out);
      path.pop();
    }
    return;
  }
  if (isObj(value)) {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const v = value[key];
      if (typeof v === 'string' || typeof v === 'number' ? isSecretKey(key) && isLiteral(v) && !isMapping(doc, path) : false) {
        out.push(literalSecret(doc, [...path, key], key));
        continue;
      }
      if (typeof v === 'object' || typeof v === 'string') {
        path.push(key);
        walk(doc, v, path, out);
        path.pop();
      }
    }
    return;
  }
  if (typeof value === 'string') {
    // Both patterns need a marker character; most strings have neither and skip the regexes.
    const embedded = (value.includes('@') ? URL_PASSWORD.exec(value) : null) ?? (value.includes('=') ? KV_PASSWORD.exec(value) : null);
    if (embedded?.[1] !== undefined) {
      const start = embedded.index + embedded[0].lastIndexOf(embedded[1]);
      out.push({
        code: 'SS3015',
        severity: 'error',
        summary: `Password written into the text of ${dotted(path)}`,
        detail: 'Leave the password out of the URL or connection string and give it through the connection\'s auth as { env: NAME }, { file: /path } or { secretKeyRef: { name, key } }. Rotate the exposed password: it is in Git history.',
        range: exprRange(doc, [...path], start, start + embedded[1].length),
      });
    }
  }
}

/** Under a SyncSpec's `fields` the keys are target field names and the values CEL expressions, not credentials. */
function isMapping(doc: LoadedDocument, path: DataPath): boolean {
  return doc.kind === 'SyncSpec' && path[0] === 'spec' && path[1] === 'fields';
}

function isLiteral(v: unknown): boolean {
  return (typeof v === 'string' && v.trim() !== '') || typeof v === 'number';
}

function literalSecret(doc: LoadedDocument, path: DataPath, key: string): Diagnostic {
  return {
    code: 'SS3015',
    severity: 'error',
    summary: `Literal secret in ${dotted(path)}`,
    detail: `"${key}" holds a credential written into the file. Replace it with a reference — { env: NAME }, { file: /path } or { secretKeyRef: { name, key } } — and rotate the value: it is in Git history.`,
    range: doc.locate(path),
    suggestion: '{ secretKeyRef: { name: <secret>, key: <key> } }',
  };
}

function dotted(path: DataPath): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}
