import { describe, expect, it } from 'vitest';
import { indexRepo } from './repo.ts';
import { brief, CONNECTIONS, docsFrom, ORDER_SPEC } from './testing.ts';
import { checkTriggers } from './triggers.ts';

/** The order spec turned around: Kingdee sales orders into Salesforce. */
const FROM_KINGDEE = ORDER_SPEC.replace(
  '  source: { connection: salesforce-prod, entity: Order, key: OrderNumber }\n  target: { connection: kingdee-prod, entity: SAL_SaleOrder, key: FBillNo }',
  '  source: { connection: kingdee-prod, entity: SAL_SaleOrder, key: FBillNo }\n  target: { connection: salesforce-prod, entity: Order, key: OrderNumber }',
).replace('cursor: SystemModstamp', 'cursor: FModifyDate');

const run = (spec: string) => checkTriggers(indexRepo(docsFrom({ 'specs/c.yaml': CONNECTIONS, 'specs/o.yaml': spec })));

describe('checkTriggers', () => {
  it('accepts webhook, poll and schedule on Salesforce', () => {
    expect(run(ORDER_SPEC)).toEqual([]);
  });

  it('rejects a webhook on Kingdee K3Cloud and suggests poll', () => {
    const ds = run(FROM_KINGDEE);
    expect(brief(ds)).toEqual(['SS3014 specs/o.yaml:11:7']);
    expect(ds[0]).toMatchObject({ summary: 'kingdee-k3cloud cannot offer a webhook trigger; use poll', suggestion: 'poll' });
    expect(ds[0]?.detail).toContain('no outbound webhooks');
  });

  it('checks the poll cursor against the source entity', () => {
    const ds = run(FROM_KINGDEE.replace('    - webhook: { events: [created, updated] }\n', '').replace('cursor: FModifyDate', 'cursor: FModifyDat'));
    expect(brief(ds)).toEqual(['SS3022 specs/o.yaml:11:34']);
    expect(ds[0]?.suggestion).toBe('FModifyDate');
    const notADate = run(ORDER_SPEC.replace('cursor: SystemModstamp', 'cursor: OrderNumber'));
    expect(notADate[0]?.summary).toBe('Poll cursor "OrderNumber" is a string field, not a date or datetime');
  });

  it('rejects polling an entity that has no cursor', () => {
    const spec = FROM_KINGDEE.replace('    - webhook: { events: [created, updated] }\n', '')
      .replace('entity: SAL_SaleOrder, key: FBillNo', 'entity: STK_Inventory, key: FID')
      .replace('poll: { every: 5m, cursor: FModifyDate, overlap: 2m }', 'poll: { every: 5m }');
    expect(run(spec).map((d) => `${d.code} ${d.suggestion}`)).toEqual(['SS3023 schedule']);
  });

  it('rejects webhook events the vendor does not push', () => {
    const repo = indexRepo(docsFrom({ 'specs/c.yaml': CONNECTIONS, 'specs/o.yaml': ORDER_SPEC.replace('events: [created, updated]', 'events: [created, deleted]') }));
    expect(checkTriggers(repo)).toEqual([]);
    const noDeletes = (system: string) => ({ system, triggers: ['webhook', 'poll', 'schedule'] as ('webhook' | 'poll' | 'schedule')[], webhookEvents: ['created', 'updated'] as ('created' | 'updated')[], pushMechanism: 'Outbound Messages' });
    const ds = checkTriggers(repo, noDeletes);
    expect(brief(ds)).toEqual(['SS3024 specs/o.yaml:11:36']);
    expect(ds[0]?.detail).toBe('Its Outbound Messages delivers: created, updated.');
  });
});
