/** client-node helpers for the kube tests: explicit patch content types and Status parsing (k8s-testing.md §1). */
import { ApiException, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

export const asMergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const asJsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
export const asStrategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
export const asApply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

export type K8sStatus = { code: number; reason?: string; message?: string; causes?: { type?: string; field?: string; message?: string }[] };

export function k8sStatus(err: unknown): K8sStatus | undefined {
  if (!(err instanceof ApiException)) return undefined;
  let b: any = err.body;
  if (typeof b === 'string') {
    try { b = JSON.parse(b); } catch { b = undefined; }
  }
  return { code: err.code, reason: b?.reason, message: b?.message, causes: b?.details?.causes };
}

/** Runs `op`, which must fail with an ApiException; returns its parsed Status. */
export async function failure(op: Promise<unknown>): Promise<K8sStatus> {
  try {
    await op;
  } catch (err) {
    const s = k8sStatus(err);
    if (s) return s;
    throw err;
  }
  throw new Error('expected the API call to fail, it succeeded');
}
