/**
 * The only way text enters emitted TypeScript (after ajv's codegen): `Code` is trusted output of this
 * module, user strings enter through `lit()` (JSON-escaped, U+2028/U+2029 too) and names through `ident()`.
 */
export class Code {
  readonly text: string;
  /** What the code computes, for a fused emission where it is consumed (see `Fused`); the text stays the full form. */
  readonly fused: Fused | undefined;
  constructor(text: string, fused?: Fused) {
    this.text = text;
    this.fused = fused;
  }
  toString(): string {
    return this.text;
  }
}

/**
 * A description of what a piece of code computes, kept beside its text so a consumer can emit one fused
 * run-time call instead of the chain (runtime/support/fused.ts): the decimal written into a target field is
 * then read, rounded and formatted without intermediate BigInt decimals, and a date field is checked in place.
 * Every form denotes exactly the value of the code it is attached to, so wherever that code is reused
 * unchanged the description stays true.
 *   field     `rt.field<reader>(raw, key[, zone])`: a typed read of a catalog field (`raw` is `item["X"]`)
 *   decimal   `decimal(input)`, where `input` is code for a number, decimal text, bigint or Decimal
 *   rounded   `decimal(input).round(places, mode)`
 *   strSize   `size(str)` of a string
 */
export type Fused =
  | { kind: 'field'; reader: string; raw: Code; key: Code; zone?: Code }
  | { kind: 'decimal'; input: Code }
  | { kind: 'rounded'; input: Code; places: number; mode: string }
  | { kind: 'strSize'; str: Code };

/** Template tag whose holes must already be `Code`. */
export function ts(parts: TemplateStringsArray, ...holes: Code[]): Code {
  let out = parts[0] ?? '';
  for (let i = 0; i < holes.length; i++) out += (holes[i] as Code).text + (parts[i + 1] ?? '');
  return new Code(out);
}

export function lit(v: string | number | boolean | null): Code {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return new Code('Number.NaN');
    if (v === Infinity) return new Code('Number.POSITIVE_INFINITY');
    if (v === -Infinity) return new Code('Number.NEGATIVE_INFINITY');
    if (Object.is(v, -0)) return new Code('(-0)');
    return new Code(v < 0 ? `(${String(v)})` : String(v));
  }
  return new Code(JSON.stringify(v).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`));
}

/** A BigInt literal for CEL `int`. */
export function bigintLit(v: bigint): Code {
  return new Code(v < 0n ? `(${v}n)` : `${v}n`);
}

const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval undefined NaN Infinity'.split(' '),
);

export class CodegenError extends Error {
  readonly code = 'SS4001';
}

export function ident(name: string): Code {
  if (!/^[A-Za-z_$][\w$]*$/.test(name) || RESERVED.has(name)) throw new CodegenError(`"${name}" is not a valid identifier`);
  return new Code(name);
}

export function join(items: readonly Code[], sep = ', '): Code {
  return new Code(items.map((c) => c.text).join(sep));
}

/** `rt.<fn>(args…)` for a run-time support function (the name is ours, never user text). */
export function call(fn: string, ...args: Code[]): Code {
  return new Code(`rt.${ident(fn).text}(${args.map((a) => a.text).join(', ')})`);
}
/** `call` with a description of the value for fused emission. */
export function callFused(fused: Fused, fn: string, ...args: Code[]): Code {
  return new Code(call(fn, ...args).text, fused);
}

/**
 * Code for the plain value `decimal(·)` of a fused decimal is made from: the input of `decimal(x)`, or a
 * decimal field's value checked but not converted (`rt.fieldDecIn`); undefined for any other code.
 */
export function decimalInput(code: Code): Code | undefined {
  const f = code.fused;
  if (f?.kind === 'decimal') return f.input;
  if (f?.kind === 'field' && f.reader === 'Dec') return call('fieldDecIn', f.raw, f.key);
  return undefined;
}
