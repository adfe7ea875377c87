/** Deterministic TypeScript names for generated interfaces and locals, derived from spec names (after ajv's scope). */
import { ident, type Code } from './code.ts';

export class NameScope {
  readonly #used = new Set<string>();

  /** `prefix` + the name with anything but [A-Za-z0-9_] turned into `_`, made unique by a counter. */
  name(prefix: string, raw: string): Code {
    const base = `${prefix}${raw.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let candidate = base;
    for (let n = 2; this.#used.has(candidate); n++) candidate = `${base}_${n}`;
    this.#used.add(candidate);
    return ident(candidate);
  }

  reserve(name: string): Code {
    this.#used.add(name);
    return ident(name);
  }
}
