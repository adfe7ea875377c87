/**
 * Bounded concurrency for vendors that take one document per call (Yonyou U8 add, SAP OData
 * single-entity writes): runs `work` over the inputs with at most `limit` calls in flight and returns
 * the outputs in input order.
 */
export async function mapLimit<T, R>(inputs: readonly T[], limit: number, work: (input: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(inputs.length);
  let nextIndex = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, inputs.length)) }, async () => {
    for (;;) {
      const i = nextIndex++;
      if (i >= inputs.length) return;
      out[i] = await work(inputs[i] as T, i);
    }
  });
  await Promise.all(lanes);
  return out;
}
