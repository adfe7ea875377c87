/**
 * `syncspec docs`: every generated reference page, one generator per source — the kind schemas
 * (`docs/reference/spec/`) and the CEL function table (`docs/reference/cel/`). A new source is one more
 * generator appended to `generators`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { celDocs } from './cel.ts';
import { specReference } from './spec-reference.ts';
import type { DocFile, DocGenerator } from './types.ts';

export type { DocFile, DocGenerator } from './types.ts';

export const generators: readonly DocGenerator[] = [specReference, celDocs];

export interface DocsPlan {
  /** Every page the generators produce, sorted by path. */
  files: DocFile[];
  /** Pages whose file is missing or differs from what would be generated. */
  stale: string[];
  /** `.md` files in a generator's folder that no generator produces any more. */
  orphaned: string[];
}

function markdownIn(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1).split('\\').join('/'))
    .sort();
}

/** Compares what the generators would write with what is on disk under `root`. */
export function planDocs(root: string, using: readonly DocGenerator[] = generators): DocsPlan {
  const files = using.flatMap((g) => g.generate(root)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const produced = new Set(files.map((f) => f.path));
  const stale = files
    .filter((f) => {
      const abs = join(root, f.path);
      return !existsSync(abs) || readFileSync(abs, 'utf8') !== f.content;
    })
    .map((f) => f.path);
  const orphaned = [...new Set(using.flatMap((g) => markdownIn(root, g.outDir)))].filter((p) => !produced.has(p)).sort();
  return { files, stale, orphaned };
}

/** Writes the stale pages and deletes the orphaned ones. */
export function applyDocs(root: string, plan: DocsPlan): void {
  const byPath = new Map(plan.files.map((f) => [f.path, f] as const));
  for (const path of plan.stale) {
    const file = byPath.get(path);
    if (!file) continue;
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, file.content);
  }
  for (const path of plan.orphaned) rmSync(join(root, path));
}
