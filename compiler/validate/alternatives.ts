/**
 * oneOf / anyOf without the noise. ajv (allErrors) reports every branch's failures plus the oneOf itself; a user
 * wants one answer. For each failed alternative we pick the branch the value evidently aims at (its discriminating
 * required keys are present, its type fits) and keep only that branch's errors; when no branch stands out we
 * replace the whole group with one diagnostic that lists the allowed shapes.
 */
import { closest } from '../diagnostics/did-you-mean.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../model.ts';
import { nameOf } from './map-errors.ts';
import { deref, isPathPrefix, isRecord, jsonType, matchesType, toDataPath, type AjvError, type JsonSchema } from './ajv-types.ts';

const COMPOSITE = new Set(['oneOf', 'anyOf']);
/** Errors of the enclosing schema that already say why no alternative can match. */
const EXPLAINS_ALTERNATIVES = new Set(['type', 'minProperties', 'maxProperties', 'const', 'enum']);

interface Owner {
  composite: AjvError;
  branch: number;
}

/** Composites by instance path, so finding an error's owner looks only at the prefixes of its own path. */
function indexComposites(composites: readonly AjvError[]): Map<string, AjvError[]> {
  const byPath = new Map<string, AjvError[]>();
  for (const c of composites) {
    const list = byPath.get(c.instancePath);
    if (list) list.push(c);
    else byPath.set(c.instancePath, [c]);
  }
  return byPath;
}

function* pathPrefixes(instancePath: string): Generator<string> {
  // Longest first: the nearest enclosing alternative owns the error.
  let p = instancePath;
  for (;;) {
    yield p;
    if (p === '') return;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

function ownerOf(e: AjvError, byPath: ReadonlyMap<string, readonly AjvError[]>): Owner | undefined {
  for (const prefix of pathPrefixes(e.instancePath)) {
    let best: Owner | undefined;
    for (const c of byPath.get(prefix) ?? []) {
      if (c === e || !e.schemaPath.startsWith(`${c.schemaPath}/`)) continue;
      const branch = Number(e.schemaPath.slice(c.schemaPath.length + 1).split('/')[0]);
      if (!Number.isInteger(branch)) continue;
      if (!best || c.schemaPath.length > best.composite.schemaPath.length) best = { composite: c, branch };
    }
    if (best) return best;
  }
  return undefined;
}

export function collapseAlternatives(errors: readonly AjvError[], doc: LoadedDocument, root: JsonSchema): { errors: AjvError[]; diagnostics: Diagnostic[] } {
  const composites = errors.filter((e) => COMPOSITE.has(e.keyword));
  if (composites.length === 0) return { errors: [...errors], diagnostics: [] };
  const byPath = indexComposites(composites);
  const owners = new Map<AjvError, Owner | undefined>();
  for (const e of errors) owners.set(e, ownerOf(e, byPath));

  // Every error, filed under each alternative (composite and branch) it sits inside.
  const buckets = new Map<AjvError, Map<number, AjvError[]>>();
  for (const e of errors) {
    for (let o = owners.get(e); o; o = owners.get(o.composite)) {
      let byBranch = buckets.get(o.composite);
      if (!byBranch) buckets.set(o.composite, (byBranch = new Map()));
      const list = byBranch.get(o.branch);
      if (list) list.push(e);
      else byBranch.set(o.branch, [e]);
    }
  }
  // Errors of the enclosing schema at the alternative's own place (type, maxProperties, ...).
  const explainers = new Map<string, AjvError[]>();
  for (const e of errors) {
    if (COMPOSITE.has(e.keyword) || !EXPLAINS_ALTERNATIVES.has(e.keyword)) continue;
    const list = explainers.get(e.instancePath);
    if (list) list.push(e);
    else explainers.set(e.instancePath, [e]);
  }

  const dropped = new Set<AjvError>();
  const chosen = new Map<AjvError, number>();
  const diagnostics: Diagnostic[] = [];
  const isDropped = (e: AjvError): boolean => {
    for (let o = owners.get(e); o; o = owners.get(o.composite)) {
      if (dropped.has(o.composite)) return true;
      const pick = chosen.get(o.composite);
      if (pick === undefined || pick !== o.branch) return true;
    }
    return false;
  };

  const ordered = [...composites].sort((a, b) => a.instancePath.length - b.instancePath.length || a.schemaPath.length - b.schemaPath.length);
  for (const c of ordered) {
    if (isDropped(c)) {
      dropped.add(c);
      continue;
    }
    const owner = owners.get(c);
    const explained = (explainers.get(c.instancePath) ?? []).some((e) => owners.get(e)?.composite === owner?.composite && owners.get(e)?.branch === owner?.branch);
    if (explained) {
      dropped.add(c);
      continue;
    }
    const inBranch = (i: number): readonly AjvError[] => buckets.get(c)?.get(i) ?? [];
    const decision = choose(c, root, inBranch, doc);
    if ('branch' in decision) chosen.set(c, decision.branch);
    else {
      dropped.add(c);
      diagnostics.push(decision.diagnostic);
    }
  }
  const kept = errors.filter((e) => !COMPOSITE.has(e.keyword) && !isDropped(e));
  return { errors: kept, diagnostics };
}

function branchLabel(s: JsonSchema, i: number): string {
  if (typeof s.title === 'string') return s.title;
  if (Array.isArray(s.required) && s.required.length > 0) return s.required.join(' + ');
  if (typeof s.type === 'string') return s.type;
  return `alternative ${i + 1}`;
}

function choose(c: AjvError, root: JsonSchema, inBranch: (i: number) => readonly AjvError[], doc: LoadedDocument): { branch: number } | { diagnostic: Diagnostic } {
  const branches = (Array.isArray(c.schema) ? c.schema : []).map((b) => deref(b, root));
  const data = c.data;
  const path = toDataPath(c.instancePath, doc.value);
  const name = nameOf(path);
  const description = typeof c.parentSchema?.description === 'string' ? c.parentSchema.description : undefined;

  if (c.keyword === 'oneOf' && Array.isArray((c.params as { passingSchemas?: unknown }).passingSchemas)) {
    const passing = ((c.params as { passingSchemas: number[] }).passingSchemas).map((i) => branchLabel(branches[i] ?? {}, i));
    return { diagnostic: { code: 'SS2010', severity: 'error', summary: `"${name}" matches more than one allowed shape (${passing.join(', ')})`, detail: `Write exactly one shape here.${description ? ` ${description}` : ''}`, range: doc.locate(path) } };
  }

  // A secret reference ({ env } | { file } | { secretKeyRef }) given a literal: say so, and never echo it.
  const refKeys = branches.map((s) => (Array.isArray(s.required) && s.required.length === 1 ? String(s.required[0]) : ''));
  if (refKeys.includes('secretKeyRef') && refKeys.every((k) => k !== '') && !isRecord(data)) {
    return {
      diagnostic: {
        code: 'SS2015',
        severity: 'error',
        summary: `"${name}" must be a secret reference (${refKeys.map((k) => `{ ${k}: … }`).join(', ')}), not a literal ${jsonType(data)}`,
        detail: 'Credentials are never written into a spec. Put the value in a Kubernetes Secret or an environment variable, reference it here, and rotate it: it has been in the repository.',
        range: doc.locate(path),
      },
    };
  }

  const scored = branches.map((s, i) => {
    if (s.type !== undefined && !matchesType(data, s.type)) return { i, score: Number.NEGATIVE_INFINITY, present: 0 };
    const required = Array.isArray(s.required) ? (s.required as unknown[]).map(String) : [];
    const present = isRecord(data) ? required.filter((k) => k in data).length : 0;
    const known = isRecord(data) && isRecord(s.properties) ? Object.keys(data).filter((k) => k in (s.properties as object)).length : 0;
    return { i, score: 100 * present - 50 * (required.length - present) + known - inBranch(i).length / 1000, present };
  });
  const best = [...scored].sort((a, b) => b.score - a.score || a.i - b.i)[0];
  const labels = branches.map((s, i) => `${branchLabel(s, i)}${typeof s.type === 'string' ? ` (${s.type})` : ''}`);

  if (!best || best.score === Number.NEGATIVE_INFINITY) {
    const expected = [...new Set(branches.map((s) => (Array.isArray(s.type) ? s.type.join(' or ') : String(s.type ?? 'any'))))];
    return {
      diagnostic: {
        code: 'SS2003',
        severity: 'error',
        summary: `"${name}" must be ${expected.join(' or ')}, not ${jsonType(data)}`,
        detail: `Allowed shapes: ${labels.join(', ')}.${description ? ` ${description}` : ''}`,
        range: doc.locate(path),
      },
    };
  }
  const discriminated = isRecord(data) && branches.every((s) => Array.isArray(s.required) && s.required.length > 0);
  if (discriminated && best.present === 0 && isRecord(data)) {
    const keys = [...new Set(branches.flatMap((s) => (s.required as unknown[]).map(String)))];
    const unknown = Object.keys(data).filter((k) => !branches.some((s) => isRecord(s.properties) && k in s.properties));
    const given = unknown[0];
    const suggestion = given !== undefined ? closest(given, keys) : undefined;
    return {
      diagnostic: {
        code: 'SS2009',
        severity: 'error',
        summary: given !== undefined
          ? `"${given}" is not one of ${keys.map((k) => `"${k}"`).join(', ')}${suggestion ? ` — did you mean "${suggestion}"?` : ''}`
          : `"${name}" matches none of the allowed shapes: ${keys.map((k) => `"${k}"`).join(', ')}`,
        detail: `Allowed shapes: ${labels.join(', ')}.${description ? ` ${description}` : ''}`,
        range: given !== undefined ? doc.locate([...path, given], 'key') : doc.locate(path),
        ...(suggestion ? { suggestion } : {}),
      },
    };
  }
  return { branch: best.i };
}
