/**
 * `generated/<spec>/transform.ts`: `filter` and `transform` for one spec. Every target field is evaluated
 * in its own try/catch so one bad value never hides the others: all field errors come back together,
 * each with its field path (`FSaleOrderEntry[1].FQty`), code, message and the spec position of the mapping.
 * The output object is an object literal whose keys are fixed at generation time (`__proto__` as a
 * computed key), so input data can never reach a prototype.
 */
import type { FieldDef } from '../catalog/types.ts';
import type { CompiledEachField, CompiledField, CompiledMapping } from '../mapping/types.ts';
import { ident, jsDoc, join, lit, objectKey, ts, trusted, type Code } from './code.ts';
import type { TypeNames } from './types-file.ts';
import { SafeWriter } from './writer.ts';

/** Code given to errors that carry none of their own (e.g. a TypeError from a missing child record). */
export const FALLBACK_ERROR_CODE = 'SS4101';

interface RowFunction {
  name: Code;
  field: CompiledEachField;
}

class TransformWriter {
  readonly w = new SafeWriter();
  readonly mapping: CompiledMapping;
  readonly names: TypeNames;
  readonly rowFunctions: RowFunction[] = [];
  /** Module-level caches of constant mappings: `let kN: { value: T } | undefined`. */
  readonly constants: Code[] = [];

  constructor(mapping: CompiledMapping, names: TypeNames) {
    this.mapping = mapping;
    this.names = names;
  }

  rowsFunctionFor(field: CompiledEachField): Code {
    const name = ident(`rows${this.rowFunctions.length}`);
    this.rowFunctions.push({ name, field });
    return name;
  }

  /** Elements of an `each` list as the CEL run time reads them (own-property reads of a plain record). */
  itemType(_field: CompiledEachField): Code {
    return ts`Record<string, unknown>`;
  }

  /**
   * Writes one `let` per field and its guarded evaluation; returns the object literal entries.
   * `pathOf(name)` is the code of the field's error path (a literal at the top level, `at + ".X"` in rows).
   */
  fields(fields: readonly CompiledField[], rowType: Code, pathOf: (f: CompiledField) => Code): Code[] {
    const w = this.w;
    const codes = sharedReads(fields.map((f) => f.code));
    for (const d of codes.declarations) w.line(d);
    return fields.map((f, i) => {
      f = { ...f, code: codes.code[i] as string };
      const v = ident(`v${i}`);
      w.lines(jsDoc([`${f.path} ← ${f.kind === 'each' ? `each ${f.text}` : f.text}`]));
      w.line(ts`let ${v}!: ${rowType}[${lit(f.name)}];`);
      w.tryCatch(
        () => {
          if (f.kind === 'each') {
            const rows = this.rowsFunctionFor(f);
            w.line(ts`${v} = ${rows}(${trusted(f.code)} ?? [], source, ctx, errors, ${pathOf(f)});`);
          } else if (f.default !== undefined && f.default !== null) {
            w.line(ts`${v} = ${trusted(f.code)} ?? ${lit(wireDefault(f.def, f.default))};`);
          } else if (isConstant(f.code)) {
            // Reads no input: computed on first use and kept (a failure is not kept, so it is reported per record).
            const k = ident(`k${this.constants.length}`);
            this.constants.push(ts`let ${k}: { value: ${rowType}[${lit(f.name)}] } | undefined;`);
            w.line(ts`${v} = (${k} ??= { value: ${trusted(f.code)}${f.nullable ? ts` ?? null` : ts``} }).value;`);
          } else if (f.nullable) {
            w.line(ts`${v} = ${trusted(f.code)} ?? null;`);
          } else {
            w.line(ts`${v} = ${trusted(f.code)};`);
          }
        },
        () => w.line(ts`fail(errors, ${pathOf(f)}, ${lit(f.at)}, cause);`),
      );
      return ts`${objectKey(f.name)}: ${v}`;
    });
  }
}

export function renderTransform(mapping: CompiledMapping, names: TypeNames, header: Code): string {
  const t = new TransformWriter(mapping, names);
  const w = t.w;
  const sourceNames = [...names.source.values()];
  const rowNames = [...names.rows.values()];
  const typeImports = [...sourceNames, ts`Target`, ...rowNames].map((c) => c.text).sort();
  w.line(header);
  w.line(ts`import * as rt from '#support';`);
  w.line(ts`import type { FieldError, TransformContext, TransformResult } from '#support';`);
  w.line(ts`import type { ${join(typeImports.map(trusted), ', ')} } from './types.ts';`);
  w.blank();
  // Position table: where the filter and every mapping are written.
  w.lines(jsDoc(['Where the filter and each mapping are written: target field path → spec position.']));
  w.block(ts`export const plan = `, () => {
    w.line(ts`spec: ${lit(mapping.name)},`);
    w.line(ts`file: ${lit(mapping.file)},`);
    if (mapping.filter) w.line(ts`filter: ${lit(mapping.filter.at)},`);
    w.block(ts`fields: `, () => {
      for (const [field, at] of positionsOf(mapping.fields)) w.line(ts`${lit(field)}: ${lit(at)},`);
    }, ts`,`);
  }, ts` as const;`);
  w.blank();
  const filterText = mapping.body.filter;
  w.lines(jsDoc([filterText === undefined ? 'The spec has no filter: every record is synced.' : `Whether the record is synced: ${filterText}`]));
  w.block(ts`export function filter(source: Source, ctx: TransformContext): boolean `, () => {
    w.line(mapping.filter ? ts`return ${trusted(mapping.filter.code)};` : ts`return true;`);
  });
  w.blank();
  w.lines(jsDoc([`Maps one ${mapping.source.entityName} record to ${mapping.target.entityName}; collects every field error.`]));
  w.block(ts`export function transform(source: Source, ctx: TransformContext): TransformResult<Target> `, () => {
    w.line(ts`const errors: FieldError[] = [];`);
    const entries = t.fields(mapping.fields, ts`Target`, (f) => lit(f.name));
    w.line(ts`if (errors.length !== 0) return { ok: false, errors };`);
    w.line(ts`return { ok: true, value: { ${join(entries, ', ')} } };`);
  });
  // Row functions may register further row functions (nested `each`), so iterate until none are left.
  for (let i = 0; i < t.rowFunctions.length; i++) {
    const { name, field } = t.rowFunctions[i] as RowFunction;
    const itemType = t.itemType(field);
    const rowType = names.rows.get(field.path) as Code;
    w.blank();
    w.lines(jsDoc([`One ${field.rowEntity} row per element of the \`each\` list of ${field.path}.`]));
    w.block(
      ts`function ${name}(items: readonly ${itemType}[], source: Source, ctx: TransformContext, errors: FieldError[], path: string): ${rowType}[] `,
      () => {
        // One row per element, written by index into an array of the final length (no growing by push).
        w.line(ts`const rows: ${rowType}[] = new Array(items.length);`);
        w.block(ts`for (let index = 0; index < items.length; index++) `, () => {
          w.line(ts`const item = items[index] as ${itemType};`);
          // The row path is built only when a field fails, so the happy path allocates no strings.
          const entries = t.fields(field.fields, rowType, (f) => ts`path + '[' + index + '].' + ${lit(f.name)}`);
          w.line(ts`rows[index] = { ${join(entries, ', ')} };`);
        });
        w.line(ts`return rows;`);
      },
    );
  }
  if (t.constants.length > 0) {
    w.blank();
    w.lines(jsDoc(['Mappings that read no input, computed once on first use (a transform is a pure function of its input).']));
    for (const c of t.constants) w.line(c);
  }
  w.blank();
  w.lines(jsDoc(['Records one field error; CEL run-time errors carry their own code.']));
  w.block(ts`function fail(errors: FieldError[], path: string, at: string, cause: unknown): void `, () => {
    w.line(ts`const code = typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? cause.code : ${lit(FALLBACK_ERROR_CODE)};`);
    w.line(ts`errors.push({ path, message: cause instanceof Error ? cause.message : String(cause), at, code });`);
  });
  return w.toString();
}

/**
 * A typed read of one field of the record or row item, with a constant key (`rt.fieldStrN(source["Note"], "Note")`),
 * of a reader whose value is a primitive. Code from the CEL compiler has its string literals JSON-escaped, so
 * `["` never occurs inside one: every match is code.
 */
const FIELD_READ = /(?<![\w$.])rt\.field(?:Str|Int|Dbl|Bool)N?\((?:source|item)\["(?:[^"\\]|\\.)*"\], "(?:[^"\\]|\\.)*"\)/g;

/**
 * Common reads of the mappings evaluated together (the fields of a record, or of one row): a field read
 * more than once (`source.Description.orValue('')` three times in a length check and its branches) gets a
 * local, filled by its first evaluation and reused by the others. The read is a pure function of the
 * record, so a reuse has the value a new read would have; it is never evaluated earlier than before
 * (a read in a branch not taken, or after a failing operand, still does not happen), and a read that
 * failed left the local empty, so the next use fails the same way for its own field. Reads never yield
 * undefined (an absent nullable field reads as null), so undefined marks "not read yet".
 */
export function sharedReads(codes: readonly string[]): { code: string[]; declarations: Code[] } {
  const counts = new Map<string, number>();
  for (const c of codes) {
    if (c.includes('`')) continue;
    for (const m of c.matchAll(FIELD_READ)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  }
  const locals = new Map<string, Code>();
  const declarations: Code[] = [];
  for (const [read, n] of counts) {
    if (n < 2) continue;
    const local = ident(`m${locals.size}`);
    locals.set(read, local);
    const reader = trusted(/^rt\.(field\w+)\(/.exec(read)?.[1] as string);
    declarations.push(ts`let ${local}: ReturnType<typeof rt.${reader}> | undefined;`);
  }
  if (locals.size === 0) return { code: [...codes], declarations };
  const code = codes.map((c) =>
    c.includes('`')
      ? c
      : c.replace(FIELD_READ, (read) => {
          const local = locals.get(read);
          return local === undefined ? read : `(${local.text} !== undefined ? ${local.text} : (${local.text} = ${read}))`;
        }),
  );
  return { code, declarations };
}

/**
 * Whether compiled code reads no input: it names none of `source`, `item`, `ctx` outside string literals,
 * and is not itself a plain literal (those cost nothing to evaluate).
 */
export function isConstant(code: string): boolean {
  if (/^(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)$/.test(code)) return false;
  if (code.includes('`')) return false;
  const outsideStrings = code.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return !/(?<![\w$.])(?:source|item|ctx)(?![\w$])/.test(outsideStrings);
}

/** A default in the target's wire form: decimals travel as text, so a numeric default becomes its decimal text. */
export function wireDefault(def: FieldDef, value: string | number | boolean): string | number | boolean {
  if (def.type === 'decimal' && typeof value === 'number') return decimalText(value);
  return value;
}

/** Plain decimal text of a finite number (no exponent): 1e-7 → "0.0000001", 0.1 → "0.1". */
export function decimalText(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  const [mantissa = '', exp = '0'] = text.toLowerCase().split('e');
  const negative = mantissa.startsWith('-');
  const [whole = '', frac = ''] = mantissa.replace('-', '').split('.');
  const digits = whole + frac;
  const point = whole.length + Number(exp);
  const body =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + body.replace(/^0+(?=\d)/, '');
}

function positionsOf(fields: readonly CompiledField[], out: [string, string][] = []): [string, string][] {
  for (const f of fields) {
    out.push([f.path, f.at]);
    if (f.kind === 'each') positionsOf(f.fields, out);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
