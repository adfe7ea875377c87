/**
 * An indenting line writer that accepts only `Code` (built with `ts`, `lit`, `ident`, …): indentation
 * and blocks come from the writer, text only from the safe builders. (ts-morph's CodeBlockWriter did the
 * same job but scans every character for string state, a quarter of the emit time for a large repo;
 * ts-morph still parses and type-checks the result in `verify.ts`.)
 */
import type { Code } from './code.ts';

const INDENT = '  ';

export class SafeWriter {
  readonly #out: string[] = [];
  #depth = 0;

  #push(text: string): void {
    this.#out.push(text === '' ? '' : INDENT.repeat(this.#depth) + text);
  }

  line(code: Code): this {
    this.#push(code.text);
    return this;
  }

  /** Writes pre-rendered multi-line code (e.g. a JSDoc block) at the current indentation. */
  lines(code: Code): this {
    for (const l of code.text.split('\n')) if (l !== '') this.#push(l);
    return this;
  }

  /** `head {` … `}tail` with the body indented one level. */
  block(head: Code, body: () => void, tail?: Code): this {
    this.#push(`${head.text}{`);
    this.#depth++;
    body();
    this.#depth--;
    this.#push(`}${tail?.text ?? ''}`);
    return this;
  }

  /** `try { … } catch (cause) { … }` */
  tryCatch(body: () => void, handler: () => void): this {
    this.#push('try {');
    this.#depth++;
    body();
    this.#depth--;
    this.#push('} catch (cause) {');
    this.#depth++;
    handler();
    this.#depth--;
    this.#push('}');
    return this;
  }

  /** One empty line, never two in a row. */
  blank(): this {
    if (this.#out.length > 0 && this.#out[this.#out.length - 1] !== '') this.#out.push('');
    return this;
  }

  toString(): string {
    const out = this.#out[this.#out.length - 1] === '' ? this.#out.slice(0, -1) : this.#out;
    return `${out.join('\n')}\n`;
  }
}
