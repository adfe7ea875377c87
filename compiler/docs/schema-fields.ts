/**
 * Flattens a kind's JSON Schema into documented field paths (`spec.triggers[].poll.every`), so the
 * reference pages list exactly what ajv enforces. Walks local `$ref`s, `properties`, map values
 * (`additionalProperties`), array items, `oneOf`/`anyOf` alternatives and `allOf` `if`/`then`
 * conditions. A `$def` used more than once (or recursively) becomes a named type documented once,
 * instead of being repeated under every field that uses it.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type SchemaNode = { [key: string]: Json };

export interface FieldRow {
  /** Dotted path from the document root; `[]` marks array items, `<key>` map keys. */
  path: string;
  /** Conditions under which this row applies (`system = salesforce`), from `if`/`then` and `const` discriminators. */
  when: string[];
  /** Display type: `string`, `integer`, `array of object`, `map of string`, a named type, or a union joined by ` | `. */
  type: string;
  /** Named type this field is (or holds), documented in its own section. */
  typeRef?: string;
  required: boolean;
  default?: Json;
  enum?: Json[];
  const?: Json;
  pattern?: string;
  format?: string;
  /** Other validation keywords in words: `minLength 1`, `at most 10000`, `unique items`. */
  constraints: string[];
  examples: Json[];
  description: string;
}

export interface NamedType {
  name: string;
  description: string;
  /** The type's own display type (e.g. `object` or `string | object`). */
  type: string;
  /** Notes on its alternatives, e.g. `exactly one of: env, file, secretKeyRef`. */
  notes: string[];
  rows: FieldRow[];
}

export interface SchemaFields {
  title: string;
  description: string;
  rows: FieldRow[];
  types: NamedType[];
}

const isNode = (v: Json | undefined): v is SchemaNode => typeof v === 'object' && v !== null && !Array.isArray(v);
const nodes = (v: Json | undefined): SchemaNode[] => (Array.isArray(v) ? v.filter(isNode) : []);
const strings = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

const DEF_PREFIX = '#/$defs/';

/** `fieldMappings` → `FieldMappings`. */
export function typeName(defName: string): string {
  return defName.charAt(0).toUpperCase() + defName.slice(1);
}

function defName(node: SchemaNode): string | undefined {
  const ref = node['$ref'];
  return typeof ref === 'string' && ref.startsWith(DEF_PREFIX) ? ref.slice(DEF_PREFIX.length) : undefined;
}

/** How often each `$def` is referenced anywhere in the schema (including from other defs). */
function countRefs(node: Json, counts: Map<string, number>): void {
  if (Array.isArray(node)) for (const x of node) countRefs(x, counts);
  else if (isNode(node)) {
    const name = defName(node);
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
    for (const [key, value] of Object.entries(node)) if (key !== 'examples' && key !== 'default' && key !== 'const' && key !== 'enum') countRefs(value, counts);
  }
}

/** Defs that reach themselves through `$ref`s: documented as named types so the walk terminates. */
function recursiveDefs(defs: Record<string, SchemaNode>): Set<string> {
  const edges = new Map<string, Set<string>>();
  const collect = (node: Json, into: Set<string>): void => {
    if (Array.isArray(node)) for (const x of node) collect(x, into);
    else if (isNode(node)) {
      const name = defName(node);
      if (name !== undefined) into.add(name);
      for (const value of Object.values(node)) collect(value, into);
    }
  };
  for (const [name, def] of Object.entries(defs)) {
    const targets = new Set<string>();
    collect(def, targets);
    edges.set(name, targets);
  }
  const recursive = new Set<string>();
  for (const start of Object.keys(defs)) {
    const seen = new Set<string>();
    const stack = [...(edges.get(start) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (next === start) {
        recursive.add(start);
        break;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(edges.get(next) ?? []));
    }
  }
  return recursive;
}

const count = (v: Json, noun: string): string => `${String(v)} ${noun}${v === 1 ? '' : 's'}`;

const CONSTRAINT_WORDS: readonly [string, (v: Json) => string][] = [
  ['minLength', (v) => `at least ${count(v, 'character')}`],
  ['maxLength', (v) => `at most ${count(v, 'character')}`],
  ['minimum', (v) => `≥ ${String(v)}`],
  ['exclusiveMinimum', (v) => `> ${String(v)}`],
  ['maximum', (v) => `≤ ${String(v)}`],
  ['exclusiveMaximum', (v) => `< ${String(v)}`],
  ['minItems', (v) => `at least ${count(v, 'item')}`],
  ['maxItems', (v) => `at most ${count(v, 'item')}`],
  ['uniqueItems', (v) => (v === true ? 'unique items' : '')],
  ['minProperties', (v) => `at least ${String(v)} ${v === 1 ? 'entry' : 'entries'}`],
  ['maxProperties', (v) => `at most ${String(v)} ${v === 1 ? 'entry' : 'entries'}`],
];

export class SchemaWalker {
  readonly #defs: Record<string, SchemaNode>;
  readonly #named: Set<string>;
  readonly #types = new Map<string, NamedType>();

  constructor(root: SchemaNode) {
    const defs = isNode(root['$defs']) ? root['$defs'] : {};
    this.#defs = Object.fromEntries(Object.entries(defs).filter((e): e is [string, SchemaNode] => isNode(e[1])));
    const counts = new Map<string, number>();
    countRefs(root, counts);
    const recursive = recursiveDefs(this.#defs);
    this.#named = new Set([...counts].filter(([name, n]) => n > 1 || recursive.has(name)).map(([name]) => name));
  }

  /** The schema's fields from the document root, and the named types they use. */
  static fields(root: SchemaNode): SchemaFields {
    const walker = new SchemaWalker(root);
    const rows: FieldRow[] = [];
    walker.#children(root, '', [], rows);
    return {
      title: typeof root['title'] === 'string' ? root['title'] : '',
      description: typeof root['description'] === 'string' ? root['description'] : '',
      rows,
      types: [...walker.#types.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    };
  }

  /** Resolves a non-named `$ref` into its target, the referring node's own keywords (description) winning. */
  #resolve(node: SchemaNode): SchemaNode {
    const name = defName(node);
    if (name === undefined || this.#named.has(name)) return node;
    const target = this.#defs[name];
    if (!target) return node;
    const { $ref: _ref, ...own } = node;
    return this.#resolve({ ...target, ...own });
  }

  #namedType(name: string): string {
    const display = typeName(name);
    if (this.#types.has(display)) return display;
    const def = this.#defs[name] ?? {};
    const entry: NamedType = { name: display, description: str(def['description']), type: '', notes: [], rows: [] };
    this.#types.set(display, entry); // before walking: a recursive def finds itself here and stops
    entry.type = this.typeOf(def);
    entry.notes = this.#alternativeNotes(def);
    this.#children(def, '', [], entry.rows);
    return display;
  }

  /** Display type of a schema node. */
  typeOf(raw: SchemaNode): string {
    const name = defName(raw);
    if (name !== undefined && this.#named.has(name)) return typeName(name);
    const node = this.#resolve(raw);
    if (node['const'] !== undefined) return JSON.stringify(node['const']);
    const type = node['type'];
    if (type === 'array') return isNode(node['items']) ? `array of ${this.typeOf(node['items'])}` : 'array';
    if (type === 'object' && !isNode(node['properties']) && isNode(node['additionalProperties'])) {
      return `map of ${this.typeOf(node['additionalProperties'])}`;
    }
    if (typeof type === 'string') return type;
    if (Array.isArray(type)) return strings(type).join(' | ');
    const alternatives = [...nodes(node['oneOf']), ...nodes(node['anyOf'])];
    if (alternatives.length > 0) {
      const types = [...new Set(alternatives.map((a) => this.typeOf(a)).filter((t) => t !== 'any'))];
      if (types.length > 0) return types.join(' | ');
    }
    return 'any';
  }

  /** Words for `oneOf`s that constrain which properties appear together (no own type). */
  #alternativeNotes(node: SchemaNode): string[] {
    const notes: string[] = [];
    const branches = nodes(node['oneOf']);
    const constraintOnly = branches.length > 0 && branches.every((b) => b['type'] === undefined && defName(b) === undefined);
    if (constraintOnly) {
      const groups = branches.map((b) => strings(b['required']).map((k) => `\`${k}\``).join(' + ')).filter(Boolean);
      if (groups.length > 0) notes.push(`Exactly one of ${groups.join(', ')}.`);
    }
    const keyed = branches.filter((b) => b['type'] === 'object' && strings(b['required']).length === 1 && b['additionalProperties'] === false && isNode(b['properties']) && Object.keys(b['properties']).length === 1);
    if (keyed.length === branches.length && branches.length > 1) {
      notes.push(`Exactly one of ${keyed.map((b) => `\`${strings(b['required'])[0] ?? ''}\``).join(', ')}.`);
    }
    return notes;
  }

  #row(raw: SchemaNode, path: string, when: string[], required: boolean): FieldRow {
    const name = defName(raw);
    const named = name !== undefined && this.#named.has(name);
    const node = this.#resolve(raw);
    const target = named ? (this.#defs[name] ?? {}) : node;
    const description = str(raw['description']) || str(target['description']);
    const row: FieldRow = { path, when, type: this.typeOf(raw), required, constraints: [], examples: [], description };
    const ref = named ? typeName(name) : this.#containedNamedType(node);
    if (ref !== undefined) row.typeRef = ref;
    const source = named ? { ...target, ...raw } : node;
    if (source['default'] !== undefined) row.default = source['default'];
    if (Array.isArray(source['enum'])) row.enum = source['enum'];
    if (source['const'] !== undefined) row.const = source['const'];
    if (typeof source['pattern'] === 'string') row.pattern = source['pattern'];
    if (typeof source['format'] === 'string') row.format = source['format'];
    if (Array.isArray(source['examples'])) row.examples = source['examples'];
    for (const [keyword, words] of CONSTRAINT_WORDS) {
      const value = source[keyword];
      if (value !== undefined) {
        const text = words(value);
        if (text) row.constraints.push(text);
      }
    }
    if (!named) row.constraints.push(...this.#alternativeNotes(node));
    const items = node['items'];
    if (!named && node['type'] === 'array' && isNode(items)) {
      const itemName = defName(items);
      if (itemName === undefined || !this.#named.has(itemName)) {
        for (const note of this.#alternativeNotes(this.#resolve(items))) row.constraints.push(`Each item: ${note.charAt(0).toLowerCase()}${note.slice(1)}`);
      }
    }
    if (named) this.#namedType(name);
    return row;
  }

  /** The named type an array or map holds (`array of SecretRef`), so its page section can be linked. */
  #containedNamedType(node: SchemaNode): string | undefined {
    const inner = node['type'] === 'array' ? node['items'] : node['type'] === 'object' && !isNode(node['properties']) ? node['additionalProperties'] : undefined;
    if (!isNode(inner)) return undefined;
    const name = defName(inner);
    if (name !== undefined && this.#named.has(name)) {
      this.#namedType(name);
      return typeName(name);
    }
    return undefined;
  }

  /** Rows for everything below `raw` (not `raw` itself). */
  #children(raw: SchemaNode, path: string, when: string[], out: FieldRow[]): void {
    const name = defName(raw);
    if (name !== undefined && this.#named.has(name)) return; // documented in its own section
    const node = this.#resolve(raw);
    const properties = isNode(node['properties']) ? node['properties'] : {};
    const required = new Set(strings(node['required']));
    for (const [key, sub] of Object.entries(properties)) {
      if (!isNode(sub)) continue;
      const subPath = path ? `${path}.${key}` : key;
      out.push(this.#row(sub, subPath, when, required.has(key)));
      this.#children(sub, subPath, when, out);
    }
    if (isNode(node['additionalProperties']) && !isNode(node['properties'])) {
      const sub = node['additionalProperties'];
      const subPath = path ? `${path}.<key>` : '<key>';
      out.push(this.#row(sub, subPath, when, false));
      this.#children(sub, subPath, when, out);
    }
    if (node['type'] === 'array' && isNode(node['items'])) {
      const sub = node['items'];
      const subPath = `${path}[]`;
      if (this.#hasChildren(sub)) this.#children(sub, subPath, when, out);
    }
    this.#alternatives([...nodes(node['oneOf']), ...nodes(node['anyOf'])], path, when, out);
    for (const part of nodes(node['allOf'])) {
      const condition = isNode(part['if']) ? conditionOf(part['if']) : [];
      if (isNode(part['then'])) this.#children(part['then'], path, [...when, ...condition], out);
      if (!isNode(part['if'])) this.#children(part, path, when, out);
    }
  }

  /**
   * Rows of object alternatives. A row every alternative shares is listed once; the property that
   * selects an alternative by `const` (`type`, `method`) becomes one row listing the choices; the rest
   * are listed under the condition that selects their alternative.
   */
  #alternatives(branches: SchemaNode[], path: string, when: string[], out: FieldRow[]): void {
    const walked: { condition: string[]; keys: Set<string>; label: string; rows: FieldRow[] }[] = [];
    for (const branch of branches) {
      if (branch['type'] !== 'object' && defName(branch) === undefined) continue; // scalar alternative or a constraint
      const resolved = this.#resolve(branch);
      if (resolved['type'] !== 'object') continue;
      const rows: FieldRow[] = [];
      this.#children(resolved, path, when, rows);
      const properties = isNode(resolved['properties']) ? resolved['properties'] : {};
      const keys = new Set(Object.keys(properties).filter((k) => isNode(properties[k]) && (properties[k] as SchemaNode)['const'] !== undefined));
      // A `{ key: … }` alternative (a trigger kind, a SecretRef form): its key is one of several, not required.
      const only = strings(resolved['required']);
      if (only.length === 1 && Object.keys(properties).length === 1 && keys.size === 0) {
        const selector = rows.find((r) => r.path === (path ? `${path}.${only[0] ?? ''}` : only[0]));
        if (selector) selector.required = false;
      }
      const label = str(resolved['description']) || str(resolved['title']);
      const pinned = discriminators(resolved);
      // Without a `const` to select it, an alternative is named by its title (`child collection`).
      const condition = pinned.length > 0 || only.length === 1 && Object.keys(properties).length === 1 ? pinned : str(resolved['title']) ? [str(resolved['title'])] : [];
      walked.push({ condition, keys, label, rows });
    }
    const signature = (r: FieldRow): string => JSON.stringify({ ...r, when: [] });
    const counts = new Map<string, number>();
    for (const b of walked) for (const sig of new Set(b.rows.map(signature))) counts.set(sig, (counts.get(sig) ?? 0) + 1);
    const emitted = new Set<string>();
    for (const b of walked) {
      for (const row of b.rows) {
        const key = row.path.slice(path ? path.length + 1 : 0);
        if (b.keys.has(key)) {
          if (emitted.has(`selector:${row.path}`)) continue;
          emitted.add(`selector:${row.path}`);
          const choices = walked.filter((w) => w.keys.has(key));
          const values = choices.map((w) => w.rows.find((r) => r.path === row.path)?.const ?? null);
          out.push({
            path: row.path, when, type: 'string', required: choices.every((w) => w.rows.find((r) => r.path === row.path)?.required === true),
            enum: values, constraints: [], examples: [],
            description: ['Selects the alternative:', '', ...choices.map((w, i) => `- \`${String(values[i])}\` — ${w.label}`)].join('\n'),
          });
          continue;
        }
        const sig = signature(row);
        if (counts.get(sig) === walked.length && walked.length > 1) {
          if (emitted.has(sig)) continue;
          emitted.add(sig);
          out.push(row);
        } else out.push({ ...row, when: [...row.when, ...b.condition] });
      }
    }
  }

  #hasChildren(raw: SchemaNode): boolean {
    const name = defName(raw);
    if (name !== undefined && this.#named.has(name)) return false;
    const node = this.#resolve(raw);
    return isNode(node['properties']) || isNode(node['additionalProperties']) || Array.isArray(node['oneOf']) || Array.isArray(node['anyOf']) || Array.isArray(node['allOf']) || node['type'] === 'array';
  }
}

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** `method = api-key` for each property of an alternative pinned by `const`. */
function discriminators(branch: SchemaNode): string[] {
  const properties = isNode(branch['properties']) ? branch['properties'] : {};
  return Object.entries(properties)
    .filter((e): e is [string, SchemaNode] => isNode(e[1]) && e[1]['const'] !== undefined)
    .map(([key, sub]) => `${key} = ${String(sub['const'])}`);
}

/** `system = salesforce` for an `if` that pins properties by `const`. */
function conditionOf(condition: SchemaNode): string[] {
  return discriminators(condition);
}
