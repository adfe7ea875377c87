/**
 * The fast path. The `yaml` package keeps a position for every node, and that costs ~1 ms per spec — more than
 * the whole budget for validating a 1,000-file repository. js-yaml reads the same YAML 1.2 core schema ~8×
 * faster but keeps no positions. So a file is first read with js-yaml; positions are computed (with `yaml`,
 * lazily, on the first `locate`) only for the documents that turn out to have a problem. Anything js-yaml and
 * `yaml` might read differently (tabs, aliases, tags, directives, complex keys, empty documents) or that
 * js-yaml rejects goes straight to the precise loader, which reports it with positions.
 */
import { CORE_SCHEMA, loadAll } from 'js-yaml';

/**
 * Tabs, `%` directives and tags (`!!float 1`, `!custom x`): rare in specs, and where the two parsers' readings
 * differ. (A CEL `!=` does not look like a tag; a CEL `!x` costs only the slower path.)
 */
const NEEDS_PRECISE = /\t|^%|(?:^|[\s[{,])![^\s=]/m;

/** The documents' values when the fast parser can be trusted with this text; undefined otherwise. */
export function fastValues(text: string): unknown[] | undefined {
  if (NEEDS_PRECISE.test(text)) return undefined;
  let docs: unknown[];
  try {
    // Aliases go to the precise loader, which counts their expansion; unknown tags make js-yaml throw.
    docs = loadAll(text, { schema: CORE_SCHEMA, maxAliases: 0 });
  } catch {
    return undefined;
  }
  if (docs.length === 0) return undefined;
  for (const d of docs) if (typeof d !== 'object' || d === null || Array.isArray(d) || hasSuspectKey(d)) return undefined;
  return docs;
}

/**
 * Keys the two parsers write differently: js-yaml makes a null key (`~:`, `null:`, `: x`) "null" where `yaml`
 * makes it "", and a collection key (`? { a: 1 }`) "[object Object]" where `yaml` writes the collection.
 */
function hasSuspectKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasSuspectKey);
  if (typeof v !== 'object' || v === null) return false;
  for (const [k, x] of Object.entries(v)) if (k === 'null' || k.startsWith('[object ') || k.includes(',') || hasSuspectKey(x)) return true;
  return false;
}
