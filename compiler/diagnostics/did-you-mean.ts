/** "Did you mean" after hashicorp/hcl: the closest candidate under Levenshtein distance 3. */

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const ac = [...a];
  const bc = [...b];
  let prev = Array.from({ length: bc.length + 1 }, (_, i) => i);
  for (let i = 1; i <= ac.length; i++) {
    const cur = [i];
    for (let j = 1; j <= bc.length; j++) {
      const cost = ac[i - 1] === bc[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[bc.length] ?? 0;
}

/** The closest candidate at distance < 3 (ties go to the alphabetically first), or undefined. */
export function closest(given: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of [...candidates].sort()) {
    // Case-only differences are the commonest slip; treat them as distance 1.
    const d = c.toLowerCase() === given.toLowerCase() && c !== given ? 1 : levenshtein(given, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
