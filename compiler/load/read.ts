/** Finding spec files and turning their bytes into text, with a coded diagnostic for everything that is not UTF-8 YAML text. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Diagnostic, SourceRange } from '../diagnostics/diagnostic.ts';

/** Spec files are small hand-written documents; 1 MiB leaves a wide margin and keeps a stray dump out. */
export const MAX_FILE_BYTES = 1024 * 1024;

const fileStart = (file: string): SourceRange => ({ file, start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } });

/** Where byte `n` sits as line:col, counting the valid text before it (for "invalid byte at …"). */
function bytePosition(file: string, bytes: Uint8Array, n: number): SourceRange {
  const before = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes.subarray(0, n));
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  const col = [...before.slice(lineStart)].length + 1;
  const pos = { line, col, offset: before.length };
  return { file, start: pos, end: { line, col: col + 1, offset: before.length + 1 } };
}

export interface CollectedFiles {
  files: string[];
  /** SS1014 for paths that do not exist or cannot be read (an I/O problem: exit 2); SS1016 for a folder without specs. */
  problems: Diagnostic[];
}

/** Expands the given paths: files as given, directories walked for *.yaml / *.yml (dot-folders and node_modules skipped), sorted. */
export function collectFiles(paths: readonly string[], cwd: string): CollectedFiles {
  const files: string[] = [];
  const problems: Diagnostic[] = [];
  for (const given of paths) {
    let isDir: boolean;
    try {
      const st = statSync(resolve(cwd, given));
      if (!st.isDirectory() && !st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      isDir = st.isDirectory();
    } catch (err) {
      problems.push(ioProblem(given, err));
      continue;
    }
    if (!isDir) {
      files.push(given);
      continue;
    }
    try {
      const found = walk(cwd, given);
      if (found.length === 0) {
        problems.push({ code: 'SS1016', severity: 'warning', summary: `No *.yaml or *.yml files under "${given}"`, detail: 'Nothing was checked there. Give the folder that holds the specs, e.g. `syncspec validate specs/`.', range: fileStart(given) });
      }
      files.push(...found);
    } catch (err) {
      problems.push(ioProblem(given, err));
    }
  }
  return { files: [...new Set(files)], problems };
}

function walk(cwd: string, dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(resolve(cwd, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(cwd, p));
    else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(p);
  }
  return out;
}

function ioProblem(path: string, err: unknown): Diagnostic {
  const code = (err as { code?: unknown } | null)?.code;
  const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'ENOTFILE' ? 'not a regular file or directory' : err instanceof Error ? err.message : String(err);
  return { code: 'SS1014', severity: 'error', summary: `Cannot read "${path}": ${why}`, range: fileStart(path) };
}

export type ReadResult = { text: string } | { problem: Diagnostic; io: boolean };

/** Reads one file; size is checked before reading so an oversize file is never loaded into memory. */
export function readSpecFile(file: string, cwd: string, maxBytes = MAX_FILE_BYTES): ReadResult {
  const abs = resolve(cwd, file);
  let bytes: Buffer;
  try {
    const size = statSync(abs).size;
    if (size > maxBytes) return { problem: tooLarge(file, size, maxBytes), io: false };
    bytes = readFileSync(abs);
  } catch (err) {
    return { problem: ioProblem(file, err), io: true };
  }
  return decodeSpecBytes(file, bytes, maxBytes);
}

function tooLarge(file: string, size: number, maxBytes: number): Diagnostic {
  return {
    code: 'SS1005',
    severity: 'error',
    summary: `File is ${formatBytes(size)} (${size} bytes); the limit for a spec file is ${formatBytes(maxBytes)}`,
    detail: 'Split the file into several spec files, or move generated data out of the spec repository.',
    range: fileStart(file),
  };
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** UTF-8 with or without BOM (the BOM is dropped; offsets count from the first character after it). */
export function decodeSpecBytes(file: string, bytes: Uint8Array, maxBytes = MAX_FILE_BYTES): ReadResult {
  if (bytes.length > maxBytes) return { problem: tooLarge(file, bytes.length, maxBytes), io: false };
  const notText = (why: string, at = 0): ReadResult => ({
    problem: { code: 'SS1006', severity: 'error', summary: `File is not UTF-8 text: ${why}`, detail: 'Spec files must be UTF-8 encoded YAML (a byte-order mark is allowed). Re-save the file as UTF-8, or remove it from the spec folder.', range: at > 0 ? bytePosition(file, bytes, at) : fileStart(file) },
    io: false,
  });
  const b0 = bytes[0];
  const b1 = bytes[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) return notText('it starts with a UTF-16/UTF-32 byte-order mark');
  const nul = bytes.indexOf(0);
  if (nul !== -1) return notText(`it contains a NUL byte at byte ${nul}, so it looks binary`, nul);
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    const bad = firstInvalidUtf8(bytes);
    return notText(`invalid UTF-8 byte sequence at byte ${bad}`, bad);
  }
}

/** Byte index of the first byte that breaks UTF-8 well-formedness. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlongs and surrogates: the second byte's range is narrower for these leads.
    const c1 = bytes[i + 1] ?? 0;
    if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f) || (b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) return i;
    i += need + 1;
  }
  return i;
}
