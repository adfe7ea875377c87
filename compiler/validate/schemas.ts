/**
 * One compiled validator per kind, from schemas/<Kind>.schema.json. Compiling the schemas with ajv costs
 * ~150 ms per process, so the compiled validators are kept as ajv "standalone" modules in
 * .cache/syncspec/validators/, keyed by a hash of the schema text, ajv version and options: a cold
 * `syncspec validate` then loads plain functions (~10 ms). A stale or broken cache entry is simply recompiled.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import type { Kind } from '../model.ts';

const require = createRequire(import.meta.url);
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const DEFAULT_SCHEMA_DIR = join(projectRoot, 'schemas');
export const DEFAULT_CACHE_DIR = join(projectRoot, '.cache', 'syncspec', 'validators');

/** Bump when the options below change, so cached validators are rebuilt. */
const OPTIONS_VERSION = '2';

export type CompiledValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export interface KindSchema {
  kind: string;
  file: string;
  validate: CompiledValidator;
  /** The schema JSON (parsed on first use: only needed to explain errors). */
  root(): Record<string, unknown>;
}

export type SchemaLookup = KindSchema | { kind: string; file: string; problem: string };

export class SchemaSet {
  readonly schemaDir: string;
  readonly cacheDir: string | undefined;
  readonly #byKind = new Map<string, SchemaLookup>();

  constructor(schemaDir: string = DEFAULT_SCHEMA_DIR, cacheDir: string | undefined = DEFAULT_CACHE_DIR) {
    this.schemaDir = schemaDir;
    this.cacheDir = cacheDir;
  }

  get(kind: Kind | string): SchemaLookup {
    let entry = this.#byKind.get(kind);
    if (!entry) {
      entry = this.#load(kind);
      this.#byKind.set(kind, entry);
    }
    return entry;
  }

  #load(kind: string): SchemaLookup {
    const file = join(this.schemaDir, `${kind}.schema.json`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return { kind, file, problem: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
    }
    let parsed: Record<string, unknown> | undefined;
    const root = (): Record<string, unknown> => (parsed ??= JSON.parse(text) as Record<string, unknown>);
    const key = createHash('sha256').update(`${OPTIONS_VERSION}\0${ajvVersion()}\0${text}`).digest('hex').slice(0, 20);
    const cached = this.cacheDir ? join(this.cacheDir, `${kind}-${key}.cjs`) : undefined;
    if (cached && existsSync(cached)) {
      try {
        const validate = require(cached) as CompiledValidator;
        if (typeof validate === 'function') return { kind, file, validate, root };
      } catch {
        // A truncated or foreign file: fall through and rebuild it.
      }
    }
    try {
      const { validate, source } = compile(root());
      if (cached) {
        writeAtomically(cached, source);
        pruneStale(dirname(cached), kind, cached);
      }
      return { kind, file, validate, root };
    } catch (err) {
      return { kind, file, problem: `cannot compile ${file}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}

function ajvVersion(): string {
  try {
    return (require('ajv/package.json') as { version: string }).version + '/' + (require('ajv-formats/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

interface AjvLike {
  compile(schema: unknown): CompiledValidator;
}

function compile(schema: Record<string, unknown>): { validate: CompiledValidator; source: string } {
  const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => AjvLike }).default;
  const addFormats = (require('ajv-formats') as { default: (a: AjvLike) => void }).default;
  const standalone = (require('ajv/dist/standalone') as { default: (a: AjvLike, v: CompiledValidator) => string }).default;
  const { _ } = require('ajv/dist/compile/codegen') as { _: (s: TemplateStringsArray) => unknown };
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    verbose: true, // errors carry their schema and data: the diagnostics need both
    code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return { validate, source: appendInPlace(standalone(ajv, validate)) };
}

/**
 * With allErrors, ajv's code after each call of a separately compiled (recursive) schema does
 * `vErrors = vErrors.concat(callee.errors)`, copying every error collected so far: quadratic, ~4 s for a
 * document with 20,000 broken field mappings. The callee's array is fresh on every call, so appending in place
 * gives the same list in linear time. Only this exact generated statement is rewritten.
 */
export function appendInPlace(source: string): string {
  const pattern = /vErrors = vErrors === null \? ([\w.]+)\.errors : vErrors\.concat\(\1\.errors\);/g;
  if (!pattern.test(source)) return source;
  const helper = 'function appendErrors(a, b) { for (let i = 0; i < b.length; i++) a.push(b[i]); return a; }\n';
  const body = source.replace(pattern, (_m, callee: string) => `vErrors = vErrors === null ? ${callee}.errors : appendErrors(vErrors, ${callee}.errors);`);
  return body.startsWith('"use strict";') ? `"use strict";${helper}${body.slice('"use strict";'.length)}` : helper + body;
}

/** Validators of earlier versions of this kind's schema are never read again. */
function pruneStale(dir: string, kind: string, keep: string): void {
  try {
    for (const f of readdirSync(dir)) if (f.startsWith(`${kind}-`) && f.endsWith('.cjs') && join(dir, f) !== keep) rmSync(join(dir, f), { force: true });
  } catch {
    // Pruning is housekeeping only.
  }
}

function writeAtomically(path: string, content: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch {
    // A read-only checkout still validates; it only compiles on every run.
  }
}
