/**
 * Order of source versions. Connectors give modstamps, counters or etags as strings: all-digit
 * versions compare as integers (so "10" > "9"), anything else (ISO-8601 UTC stamps) as plain text.
 */
export function compareVersions(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
