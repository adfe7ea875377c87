/**
 * Conditions as fluxcd/pkg `runtime/conditions` keeps them (style.md §2.19): every write stamps
 * `observedGeneration`; `lastTransitionTime` (UTC, whole seconds) moves only when status, reason or
 * message change; Stalled, Reconciling and Ready sort first; Stalled and Reconciling exclude each other,
 * so kstatus (Argo CD, Flux health checks) reads the object correctly.
 */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

export type ConditionInput = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

const FIRST = ['Stalled', 'Reconciling', 'Ready'];

function order(a: Condition, b: Condition): number {
  const ia = FIRST.indexOf(a.type);
  const ib = FIRST.indexOf(b.type);
  if (ia !== ib) return (ia < 0 ? FIRST.length : ia) - (ib < 0 ? FIRST.length : ib);
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

export const wholeSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function setCondition(list: readonly Condition[], next: ConditionInput, generation: number, nowMs: number): Condition[] {
  const prev = list.find((c) => c.type === next.type);
  const same = prev !== undefined && prev.status === next.status && prev.reason === next.reason && prev.message === next.message;
  const cond: Condition = { ...next, observedGeneration: generation, lastTransitionTime: same ? prev.lastTransitionTime : wholeSeconds(nowMs) };
  let out = [...list.filter((c) => c.type !== next.type), cond];
  if (next.type === 'Stalled' && next.status === 'True') out = out.filter((c) => c.type !== 'Reconciling');
  if (next.type === 'Reconciling' && next.status === 'True') out = out.filter((c) => c.type !== 'Stalled');
  return out.sort(order);
}

export function removeCondition(list: readonly Condition[], type: string): Condition[] {
  return list.filter((c) => c.type !== type);
}

export function getCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

/** Conditions as read from the API (anything) → well-formed ones; malformed entries are dropped. */
export function readConditions(value: unknown): Condition[] {
  if (!Array.isArray(value)) return [];
  return value.filter((c): c is Condition =>
    typeof c === 'object' && c !== null && typeof c.type === 'string' && (c.status === 'True' || c.status === 'False' || c.status === 'Unknown'),
  ).map((c) => ({
    type: c.type, status: c.status, reason: String(c.reason ?? ''), message: String(c.message ?? ''),
    observedGeneration: Number(c.observedGeneration ?? 0), lastTransitionTime: String(c.lastTransitionTime ?? ''),
  }));
}
