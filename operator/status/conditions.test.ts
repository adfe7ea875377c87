import { describe, expect, test } from 'vitest';
import { readConditions, setCondition, wholeSeconds, type Condition } from './conditions.ts';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0, 456);
const T1 = T0 + 60_000;

describe('setCondition', () => {
  test('stamps observedGeneration and a whole-second UTC transition time', () => {
    const [c] = setCondition([], { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok' }, 3, T0);
    expect(c).toEqual({ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok', observedGeneration: 3, lastTransitionTime: '2026-01-01T10:00:00Z' });
  });

  test('lastTransitionTime moves only when status, reason or message change; observedGeneration always', () => {
    let list = setCondition([], { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok' }, 1, T0);
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok' }, 2, T1);
    expect(list[0]).toMatchObject({ observedGeneration: 2, lastTransitionTime: wholeSeconds(T0) });
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'new bundle' }, 2, T1);
    expect(list[0]?.lastTransitionTime).toBe(wholeSeconds(T1));
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'CompileFailed', message: 'new bundle' }, 2, T1 + 5000);
    expect(list[0]?.lastTransitionTime).toBe(wholeSeconds(T1 + 5000));
  });

  test('Stalled and Reconciling exclude each other', () => {
    let list = setCondition([], { type: 'Reconciling', status: 'True', reason: 'Progressing', message: '' }, 1, T0);
    list = setCondition(list, { type: 'Stalled', status: 'True', reason: 'CompileFailed', message: 'x' }, 1, T0);
    expect(list.map((c) => c.type)).toEqual(['Stalled']);
    list = setCondition(list, { type: 'Reconciling', status: 'True', reason: 'Progressing', message: '' }, 2, T0);
    expect(list.map((c) => c.type)).toEqual(['Reconciling']);
  });

  test('Stalled, Reconciling, Ready sort first, the rest by type', () => {
    let list: Condition[] = [];
    for (const type of ['Synced', 'Ready', 'DeadLettersPresent', 'Stalled', 'SLOBurning']) {
      list = setCondition(list, { type, status: 'True', reason: 'R', message: '' }, 1, T0);
    }
    expect(list.map((c) => c.type)).toEqual(['Stalled', 'Ready', 'DeadLettersPresent', 'SLOBurning', 'Synced']);
  });
});

describe('readConditions', () => {
  test('keeps well-formed conditions and drops the rest', () => {
    expect(readConditions([{ type: 'Ready', status: 'True', reason: 'A', message: 'm', observedGeneration: 2, lastTransitionTime: 'x' }, { type: 'Bad', status: 'Maybe' }, 'junk'])).toEqual([
      { type: 'Ready', status: 'True', reason: 'A', message: 'm', observedGeneration: 2, lastTransitionTime: 'x' },
    ]);
    expect(readConditions(undefined)).toEqual([]);
  });
});
