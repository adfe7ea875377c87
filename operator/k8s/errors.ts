/**
 * Kubernetes API failures as values: the Status body parsed once from an ApiException (whose `body` is
 * raw text for statuses the OpenAPI document does not list, and whose `message` is a dump), then
 * branched on `code` and `reason` — never on message text (k8s-testing.md §1, client-node PR #711).
 */
import { ApiException } from './client.ts';

export interface K8sStatus {
  code: number;
  reason: string | undefined;
  message: string | undefined;
  causes: { type?: string; field?: string; message?: string }[];
}

export function k8sStatus(err: unknown): K8sStatus | undefined {
  if (!(err instanceof ApiException)) return undefined;
  let body: unknown = err.body;
  if (typeof body === 'string') {
    try { body = JSON.parse(body); } catch { body = undefined; }
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as { reason?: unknown; message?: unknown; details?: { causes?: unknown } };
  return {
    code: err.code,
    reason: typeof b.reason === 'string' ? b.reason : undefined,
    message: typeof b.message === 'string' ? b.message : undefined,
    causes: Array.isArray(b.details?.causes) ? (b.details.causes as K8sStatus['causes']) : [],
  };
}

export const isNotFound = (err: unknown): boolean => k8sStatus(err)?.code === 404;
export const isConflict = (err: unknown): boolean => {
  const s = k8sStatus(err);
  return s?.code === 409 && s.reason === 'Conflict';
};
export const isAlreadyExists = (err: unknown): boolean => {
  const s = k8sStatus(err);
  return s?.code === 409 && s.reason === 'AlreadyExists';
};

/**
 * Whether retrying can help. 400/422 (bad request, Invalid) and 403/401 (no permission) need a change
 * to the object, the chart or RBAC; everything else (409, 410, 429, 5xx, network) is transient.
 */
export function isTerminal(err: unknown): boolean {
  const s = k8sStatus(err);
  if (!s) return false;
  return s.code === 400 || s.code === 422 || s.code === 401 || s.code === 403 || s.code === 415;
}

/** A short description for logs and conditions: `422 Invalid: <server message>` or the error's own message. */
export function describeError(err: unknown): string {
  const s = k8sStatus(err);
  if (s) return `${s.code}${s.reason ? ` ${s.reason}` : ''}${s.message ? `: ${s.message}` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
