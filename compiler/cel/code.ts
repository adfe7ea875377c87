/**
 * The only way text enters emitted TypeScript (after ajv's codegen): `Code` is trusted output of this
 * module, user strings enter through `lit()` (JSON-escaped, U+2028/U+2029 too) and names through `ident()`.
 */
export class Code {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

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
