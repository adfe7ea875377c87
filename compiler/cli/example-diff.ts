/** Field-level comparison of an example's expectation with the transform's output. */

export interface FieldDiff {
  /** Target field path, e.g. `FSaleOrderEntry[1].FQty`. */
  path: string;
  expected: unknown;
  actual: unknown;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** `"113.00"`, `113` and `113.0` are the same amount: decimals travel as text and examples are hand-written. */
function normalNumber(v: number | string): string | undefined {
  const text = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v.trim();
  if (!NUMERIC.test(text)) return undefined;
  let [whole = '', frac = ''] = text.replace(/^-/, '').split('.');
  whole = whole.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const sign = text.startsWith('-') && (whole !== '0' || frac !== '') ? '-' : '';
  return `${sign}${whole}${frac === '' ? '' : `.${frac}`}`;
}

function sameScalar(expected: unknown, actual: unknown): boolean {
  if (Object.is(expected, actual)) return true;
  if ((typeof expected === 'number' || typeof expected === 'string') && (typeof actual === 'number' || typeof actual === 'string')) {
    if (typeof expected === 'string' && typeof actual === 'string') return false;
    const a = normalNumber(expected);
    return a !== undefined && a === normalNumber(actual);
  }
  return false;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Differences between `expected` and `actual`. Objects compare on the keys the expectation lists (an
 * example may leave fields out); lists compare element by element and by length.
 */
export function diffValues(expected: unknown, actual: unknown, path = '', out: FieldDiff[] = []): FieldDiff[] {
  if (isObject(expected)) {
    if (!isObject(actual)) {
      out.push({ path: path || '(record)', expected, actual });
      return out;
    }
    for (const key of Object.keys(expected).sort()) {
      const sub = path === '' ? key : `${path}.${key}`;
      const has = Object.hasOwn(actual, key);
      if (!has) out.push({ path: sub, expected: expected[key], actual: undefined });
      else diffValues(expected[key], actual[key], sub, out);
    }
    return out;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push({ path, expected, actual });
      return out;
    }
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      const sub = `${path}[${i}]`;
      if (i >= expected.length) out.push({ path: sub, expected: undefined, actual: actual[i] });
      else if (i >= actual.length) out.push({ path: sub, expected: expected[i], actual: undefined });
      else diffValues(expected[i], actual[i], sub, out);
    }
    return out;
  }
  if (!sameScalar(expected, actual)) out.push({ path, expected, actual });
  return out;
}

/** A value as shown in a diff line: JSON, with `(absent)` for a missing field. */
export function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}` : x)) ?? String(v);
}
