/**
 * Echo suppression for two-way flows. When the worker writes a record to a system that another spec
 * reads from, it remembers (system, entity, id, the values written). An inbound change whose values
 * still equal everything we wrote is our own write coming back: it is dropped and the mark consumed
 * (one write, one echo), so a later genuine edit of the same record flows normally.
 */
export function isEcho(written: Record<string, unknown>, inbound: Record<string, unknown>): boolean {
  return Object.entries(written).every(([field, value]) => sameValue(value, inbound[field]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'object' || typeof b === 'object') return canonical(a) === canonical(b);
  // Systems hand numbers back as text and vice versa ("12.50" vs 12.5): compare as numbers when both are.
  const x = Number(a);
  const y = Number(b);
  if (String(a).trim() !== '' && String(b).trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) return x === y;
  return String(a) === String(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : val,
  );
}
