/**
 * SQL identifiers come from Connection settings and spec field names, never from record values, but
 * they still go into statement text: each is validated against a conservative pattern and quoted in the
 * dialect's way. Values always travel as bind parameters.
 */

/** Letters (any script), digits, `_` and `$`; not starting with a digit or `$`; at most 63 bytes (PostgreSQL's limit). */
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_$]*$/u;

export class IdentifierError extends Error {
  readonly identifier: string;
  constructor(identifier: string, why: string) {
    super(`invalid SQL identifier ${JSON.stringify(identifier)}: ${why}`);
    this.name = 'IdentifierError';
    this.identifier = identifier;
  }
}

export function checkIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new IdentifierError(name, 'use letters, digits, "_" or "$", not starting with a digit');
  if (Buffer.byteLength(name, 'utf8') > 63) throw new IdentifierError(name, 'longer than 63 bytes');
  return name;
}

export type QuoteStyle = 'double' | 'backtick';

/** Quotes a validated identifier; the pattern excludes quote characters, so doubling is defensive only. */
export function quoteIdentifier(name: string, style: QuoteStyle): string {
  checkIdentifier(name);
  return style === 'double' ? `"${name.replaceAll('"', '""')}"` : `\`${name.replaceAll('`', '``')}\``;
}

/** `schema.table` or `table` (then `defaultSchema`), each part validated. */
export function splitQualified(entity: string, defaultSchema: string): { schema: string; table: string } {
  const parts = entity.split('.');
  if (parts.length === 1) return { schema: checkIdentifier(defaultSchema), table: checkIdentifier(parts[0] as string) };
  if (parts.length === 2) return { schema: checkIdentifier(parts[0] as string), table: checkIdentifier(parts[1] as string) };
  throw new IdentifierError(entity, 'expected "table" or "schema.table"');
}
