import type { CodeInfo } from './types.ts';

/** SS5200–SS5219 — consistency reconciliation (`syncspec reconcile`, `mode: reconcile` schedules). */
export const reconcileCodes = {
  SS5201: {
    title: 'No catalog entity for the reconciled target',
    explanation:
      'Reconciliation compares field by field as the target entity\'s catalog types say (decimals by value, dates in the system\'s zone, text by Unicode NFC). The target system\'s catalog has no entity of the name the spec targets, so there is nothing to compare with. Check `spec.target.entity` (`syncspec validate` reports a misspelt entity as SS3005) or add the entity with an EntitySchema.',
  },
  SS5202: {
    title: 'Reconciliation failed',
    explanation:
      'A reconciliation stopped before it could compare both sides: a connection could not be built or answered with an error that retries did not cure. The message names the spec and the cause. Nothing was repaired; run it again when the system answers, or check the connection settings and secrets.',
  },
  SS5203: {
    title: 'Systems differ',
    explanation:
      'The last reconciliation found records missing in the target, extra in the target, different field values or source records the transform cannot map. `syncspec reconcile <spec>` lists them (JSON and HTML reports under `reports/`); `--repair` re-queues the missing and different ones through the normal delivery path, and `--dry-run` shows what would be sent.',
  },
} satisfies Record<`SS52${string}`, CodeInfo>;
