/** Test support for the semantic checks: real documents from YAML text through the real loader. */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { loadText } from '../load/index.ts';
import type { LoadedDocument } from '../model.ts';

/** Loads every file; a load problem is a mistake in the test itself, so it fails loudly. */
export function docsFrom(files: Record<string, string>): LoadedDocument[] {
  return Object.entries(files).flatMap(([file, text]) => {
    const loaded = loadText(file, text);
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(`test input ${file} does not load: ${errors.map((d) => `${d.code} ${d.summary}`).join('; ')}`);
    return loaded.documents;
  });
}

/** `CODE file:line:col` per diagnostic, for compact assertions. */
export function brief(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => `${d.code} ${d.range ? `${d.range.file}:${d.range.start.line}:${d.range.start.col}` : '-'}`);
}

export const CONNECTIONS = `apiVersion: syncspec.dev/v1
kind: Connection
metadata:
  name: salesforce-prod
spec:
  system: salesforce
  url: https://acme.my.salesforce.com
  auth:
    method: oauth2-client-credentials
    clientId: { env: SF_CLIENT_ID }
    clientSecret: { secretKeyRef: { name: salesforce, key: client-secret } }
---
apiVersion: syncspec.dev/v1
kind: Connection
metadata:
  name: kingdee-prod
spec:
  system: kingdee-k3cloud
  url: https://erp.example.cn/k3cloud/
  timezone: Asia/Shanghai
  auth:
    method: password
    acctId: "20240101"
    username: integration
    password: { env: KINGDEE_PASSWORD }
`;

export const LOOKUPS = `apiVersion: syncspec.dev/v1
kind: LookupTable
metadata:
  name: units
spec:
  entries: { EA: Pcs, BOX: Box, KG: kg }
`;

/** A valid order spec; tests replace one line to break it. */
export const ORDER_SPEC = `apiVersion: syncspec.dev/v1
kind: SyncSpec
metadata:
  name: crm-order-to-erp-sales-order
spec:
  version: 2.1.0
  owner: o2c@example.com
  source: { connection: salesforce-prod, entity: Order, key: OrderNumber }
  target: { connection: kingdee-prod, entity: SAL_SaleOrder, key: FBillNo }
  triggers:
    - webhook: { events: [created, updated] }
    - poll: { every: 5m, cursor: SystemModstamp, overlap: 2m }
    - schedule: { cron: "0 2 * * *", timezone: Asia/Shanghai, mode: reconcile }
  filter: source.Status == 'Activated'
  fields:
    FBillNo: source.OrderNumber
    FDate: source.EffectiveDate
    FNote: source.Description.orValue('').substring(0, 255)
    FSaleOrderEntry:
      each: source.OrderItems
      fields:
        FQty: item.Quantity
        FUnitID: lookup('units', 'EA')
  sla: { latency: { p95: 60s }, freshness: 10m, errorRate: 0.5% }
  delivery:
    batch: { size: 100, maxWait: 2s }
    retry: { attempts: 10, initial: 1s, max: 5m }
  examples:
    - name: one line
      input: { OrderNumber: "00000123" }
      expect: { FBillNo: "00000123", FSaleOrderEntry: [{ FQty: 1 }] }
`;

/** ORDER_SPEC with every field SAL_SaleOrder requires on create mapped, so the mapping type checks find nothing either. */
export const COMPLETE_ORDER_SPEC = ORDER_SPEC.replace(
  '    FDate: source.EffectiveDate\n',
  `    FDate: source.EffectiveDate\n    FCustId: source.AccountId\n    FSaleOrgId: "'100'"\n`,
).replace('        FQty: item.Quantity\n', "        FQty: item.Quantity\n        FMaterialId: item.Product2Id.orValue('')\n");
