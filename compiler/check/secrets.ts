/**
 * SS3015: credentials appear only as references ({ env }, { file }, { secretKeyRef }). A literal value under a
 * secret-looking key, a password inside a URL or a `password=` in a connection string is an error — and the
 * diagnostic never contains the value, only where it is.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { DataPath, LoadedDocument } from '../model.ts';
import { exprRange } from './cel-syntax.ts';
import { isObj, type Repo } from './repo.ts';

/** Key names (lower-case, without `-`, `_`, spaces) that hold a credential, matched as a suffix. */
const SECRET_SUFFIXES = ['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'credential', 'credentials', 'authorization'];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_\s]/g, '');
  return SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

const URL_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\s:@]*:([^@/\s]+)@/;
const KV_PASSWORD = /(?:^|[;\s])(?:password|pwd)\s*=\s*([^;\s]+)/i;

export function checkSecrets(repo: Repo): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const doc of repo.docs) walk(doc, doc.value, [], out);
  return out;
}

function walk(doc: LoadedDocument, value: unknown, path: (string | number)[], out: Diagnostic[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(doc, v, [...path, i], out));
    return;
  }
  if (isObj(value)) {
    for (const [key, v] of Object.entries(value)) {
      const at = [...path, key];
      if (isSecretKey(key) && isLiteral(v) && !isMapping(doc, path)) out.push(literalSecret(doc, at, key));
      else walk(doc, v, at, out);
    }
    return;
  }
  if (typeof value === 'string') {
    const embedded = URL_PASSWORD.exec(value) ?? KV_PASSWORD.exec(value);
    if (embedded?.[1] !== undefined) {
      const start = embedded.index + embedded[0].lastIndexOf(embedded[1]);
      out.push({
        code: 'SS3015',
        severity: 'error',
        summary: `Password written into the text of ${dotted(path)}`,
        detail: 'Leave the password out of the URL or connection string and give it through the connection\'s auth as { env: NAME }, { file: /path } or { secretKeyRef: { name, key } }. Rotate the exposed password: it is in Git history.',
        range: exprRange(doc, path, start, start + embedded[1].length),
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
