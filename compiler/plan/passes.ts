/**
 * Normalisation of a spec into its plan, as small ordered pure passes (after json2jsii's transformers):
 * each takes a draft and returns a new one, so every pass is tested on its own.
 */
import type { SyncSpecBody, TriggerSpec } from '../model.ts';
import { durationMs, rate } from './duration.ts';
import type { Plan } from './types.ts';

export type PlanBody = Omit<Plan, 'hash'>;

/** The spec as written (read-only input of every pass) and the plan built so far. */
export interface PlanDraft {
  readonly spec: SyncSpecBody;
  readonly plan: PlanBody;
}

export type PlanPass = (draft: PlanDraft) => PlanDraft;

/** What the worker does when the spec leaves delivery settings out (DESIGN.md's example values). */
export const DELIVERY_DEFAULTS = {
  mode: 'upsert',
  batchSize: 100,
  maxWait: '2s',
  attempts: 10,
  initial: '1s',
  max: '5m',
  deadLetter: true,
} as const;

function ms(text: string | undefined, fallback: string): number {
  // Schema validation guarantees the duration syntax; the fallback parse of a default never fails.
  return durationMs(text ?? fallback) ?? (durationMs(fallback) as number);
}

export const applyDeliveryDefaults: PlanPass = ({ spec, plan }) => {
  const d = spec.delivery ?? {};
  return {
    spec,
    plan: {
      ...plan,
      delivery: {
        mode: d.mode ?? DELIVERY_DEFAULTS.mode,
        batchSize: d.batch?.size ?? DELIVERY_DEFAULTS.batchSize,
        maxWaitMs: ms(d.batch?.maxWait, DELIVERY_DEFAULTS.maxWait),
        retry: {
          attempts: d.retry?.attempts ?? DELIVERY_DEFAULTS.attempts,
          initialMs: ms(d.retry?.initial, DELIVERY_DEFAULTS.initial),
          maxMs: ms(d.retry?.max, DELIVERY_DEFAULTS.max),
        },
        deadLetter: d.deadLetter ?? DELIVERY_DEFAULTS.deadLetter,
      },
    },
  };
};

export const slaToNumbers: PlanPass = ({ spec, plan }) => {
  const s = spec.sla;
  if (!s) {
    const { sla: _drop, ...rest } = plan;
    void _drop;
    return { spec, plan: rest };
  }
  const sla: NonNullable<Plan['sla']> = {};
  const p95 = s.latency?.p95 === undefined ? undefined : durationMs(s.latency.p95);
  const p99 = s.latency?.p99 === undefined ? undefined : durationMs(s.latency.p99);
  const freshness = s.freshness === undefined ? undefined : durationMs(s.freshness);
  const errorRate = s.errorRate === undefined ? undefined : rate(s.errorRate);
  if (p95 !== undefined) sla.latencyP95Ms = p95;
  if (p99 !== undefined) sla.latencyP99Ms = p99;
  if (freshness !== undefined) sla.freshnessMs = freshness;
  if (errorRate !== undefined) sla.errorRate = errorRate;
  return { spec, plan: { ...plan, sla } };
};

function normaliseTrigger(t: TriggerSpec): TriggerSpec {
  if ('webhook' in t) {
    const events = [...new Set(t.webhook.events)].sort();
    return { webhook: { ...t.webhook, events } };
  }
  if ('schedule' in t) return { schedule: { mode: 'sync', ...t.schedule } };
  return structuredClone(t);
}

export const normaliseTriggers: PlanPass = ({ spec, plan }) => ({
  spec,
  plan: { ...plan, triggers: spec.triggers.map(normaliseTrigger) },
});

export const sortFieldPositions: PlanPass = ({ spec, plan }) => ({
  spec,
  plan: {
    ...plan,
    fields: [...plan.fields].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0)),
    lookups: [...new Set(plan.lookups)].sort(),
    refs: [...new Set(plan.refs)].sort(),
  },
});

export const passes: readonly PlanPass[] = [applyDeliveryDefaults, slaToNumbers, normaliseTriggers, sortFieldPositions];
