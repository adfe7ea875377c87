/** Spec durations (`500ms`, `2s`, `5m`, `1h30m`, `1d`) to milliseconds; undefined when the text is not one. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return Math.round(total);
}

/** `0.5%` → 0.005; a bare number is taken as a fraction already. */
export function rate(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  return m[2] === '%' ? Number((value / 100).toPrecision(12)) : value;
}
