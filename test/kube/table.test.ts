import { describe, expect, test } from 'vitest';
import { evalJsonPath, humanDuration, toTable } from './table.ts';
import type { ResourceType } from './registry.ts';

describe('printer-column JSONPath', () => {
  const obj = { spec: { version: '1.2.0' }, status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] }, list: [1, 2] };
  test.each([
    ['.spec.version', ['1.2.0']],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    [".status.conditions[?(@.type=='Synced')].status", ['False']],
    ['.list[1]', [2]],
    ['.list[*]', [1, 2]],
    ['.missing.deep', []],
    ['{.spec.version}', ['1.2.0']],
  ])('%s', (path, expected) => {
    expect(evalJsonPath(obj, path)).toEqual(expected);
  });
});

describe('Age like apimachinery HumanDuration', () => {
  test.each([
    [0, '0s'], [119_000, '119s'], [120_000, '2m'], [150_000, '2m30s'], [600_000, '10m'], [3 * 3600_000, '3h'],
    [3 * 3600_000 + 60_000, '3h1m'], [10 * 3600_000, '10h'], [49 * 3600_000, '2d1h'], [30 * 86400_000, '30d'], [800 * 86400_000, '2y70d'],
  ])('%i ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('Table', () => {
  const type: ResourceType = {
    group: 'syncspec.dev', versions: ['v1'], plural: 'syncspecs', singular: 'syncspec', kind: 'SyncSpec', listKind: 'SyncSpecList',
    namespaced: true, shortNames: [], categories: [], statusSubresource: true,
    printerColumns: { v1: [{ name: 'Version', type: 'string', jsonPath: '.spec.version' }, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }] },
  };
  test('rows carry the name, the column values and partial metadata', () => {
    const o = { apiVersion: 'syncspec.dev/v1', kind: 'SyncSpec', metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { version: '1.0.0' } };
    const t = toTable(type, 'v1', [o], '7', 'Metadata', Date.parse('2026-01-01T00:05:00Z')) as any;
    expect(t.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Version', 'Age']);
    expect(t.rows[0].cells).toEqual(['a', '1.0.0', '5m']);
    expect(t.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata });
  });
});
