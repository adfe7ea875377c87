/**
 * The only way user text enters generated code (after ajv's codegen `_` tag): `lit()` for values,
 * `ident()` for identifiers, `propKey()` for property names and `docText()` for comments. A raw string
 * hole in `ts\`…\`` is a type error, so nothing user-written is ever concatenated into code unescaped.
 */

export class Code {
  readonly #brand = true;
  readonly text: string;
  constructor(text: string) {
    void this.#brand;
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

/** Joins pieces of code with a separator. */
export function join(items: readonly Code[], separator = '\n'): Code {
  return new Code(items.map((c) => c.text).join(separator));
}

/** Trusted code fragments written by syncspec itself (e.g. from the CEL compiler, which escapes its own literals). */
export function trusted(text: string): Code {
  return new Code(text);
}

/** A JSON value as a TypeScript literal; U+2028/U+2029 escaped so the text is also valid in any JS context. */
export function lit(value: unknown): Code {
  const text = JSON.stringify(value);
  if (text === undefined) throw new CodegenError('SS4001', `value of type ${typeof value} has no literal form`);
  return new Code(text.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`));
}

export class CodegenError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'CodegenError';
    this.code = code;
  }
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'implements interface let package private protected public static yield await any boolean never number ' +
    'object string symbol undefined unknown bigint arguments eval async of type declare readonly keyof infer is ' +
    'asserts abstract as constructor get set module namespace require global'
  ).split(' '),
);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED.has(name) && name !== '__proto__';
}

/** A TypeScript identifier; anything else (spaces, quotes, Unicode, reserved words) is refused. */
export function ident(name: string): Code {
  if (!isIdentifier(name)) throw new CodegenError('SS4001', `"${name}" is not a safe identifier`);
  return new Code(name);
}

/**
 * A property name for an interface member or object literal key: bare when it is a plain identifier,
 * else a JSON string literal. `__proto__` is never bare (and callers building object literals must use
 * `computedKey()` for it, since even a quoted `"__proto__":` key sets the prototype).
 */
export function propKey(name: string): Code {
  return IDENTIFIER.test(name) && name !== '__proto__' ? new Code(name) : lit(name);
}

/** An object-literal key that always defines an own property, even for `__proto__`. */
export function objectKey(name: string): Code {
  return name === '__proto__' ? ts`[${lit(name)}]` : propKey(name);
}

/** Property access: `.name` for identifiers, `[“name”]` otherwise. */
export function access(target: Code, name: string): Code {
  return IDENTIFIER.test(name) && name !== '__proto__' ? ts`${target}.${new Code(name)}` : ts`${target}[${lit(name)}]`;
}

/** Text safe inside a `/** … *\/` comment: no comment terminator, one line per source line. */
export function docLines(text: string): string[] {
  return text
    .replace(/\*\//g, '*\\/')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd());
}

/** A JSDoc block from paragraphs of user text (already escaped by `docLines`), or nothing. */
export function jsDoc(paragraphs: readonly (string | undefined)[], indent = ''): Code {
  const lines = paragraphs.filter((p): p is string => p !== undefined && p.trim() !== '').flatMap(docLines);
  if (lines.length === 0) return new Code('');
  if (lines.length === 1) return new Code(`${indent}/** ${lines[0]} */\n`);
  return new Code(`${indent}/**\n${lines.map((l) => `${indent} *${l === '' ? '' : ` ${l}`}`).join('\n')}\n${indent} */\n`);
}

/** A `//` comment line: line terminators inside would end the comment, so they are escaped. */
export function lineComment(text: string): Code {
  return new Code(`// ${text.replace(/[\r\n\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`);
}
