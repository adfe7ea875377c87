/**
 * ts-morph's code writer, narrowed so only `Code` (built with `ts`, `lit`, `ident`, …) can be written:
 * indentation and blocks come from the writer, text only from the safe builders.
 */
import { CodeBlockWriter } from 'ts-morph';
import type { Code } from './code.ts';

export class SafeWriter {
  readonly #w = new CodeBlockWriter({ indentNumberOfSpaces: 2, newLine: '\n', useSingleQuote: true });

  line(code: Code): this {
    this.#w.writeLine(code.text);
    return this;
  }

  /** Writes pre-rendered multi-line code (e.g. a JSDoc block) at the current indentation. */
  lines(code: Code): this {
    for (const l of code.text.split('\n')) if (l !== '') this.#w.writeLine(l);
    return this;
  }

  block(head: Code, body: () => void, tail?: Code): this {
    this.#w.write(head.text).inlineBlock(body);
    if (tail) this.#w.write(tail.text);
    this.#w.newLine();
    return this;
  }

  /** `try { … } catch (cause) { … }` */
  tryCatch(body: () => void, handler: () => void): this {
    this.#w.write('try ').inlineBlock(body).write(' catch (cause) ').inlineBlock(handler).newLine();
    return this;
  }

  blank(): this {
    this.#w.blankLineIfLastNot();
    return this;
  }

  toString(): string {
    return this.#w.toString();
  }
}
