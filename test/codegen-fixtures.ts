/** Small in-memory spec repositories for the mapping and code generation tests: YAML text plus a catalog. */
import type { Catalog } from '../compiler/catalog/types.ts';
import { compileExpression } from '../compiler/cel/index.ts';
import { loadText } from '../compiler/load/index.ts';
import { mappingRepo } from '../compiler/mapping/repo.ts';
import type { MappingRepo } from '../compiler/mapping/types.ts';
import type { LoadedDocument } from '../compiler/model.ts';

/** A CRM and an ERP system with one order entity each, lines as a child list, and the usual field kinds. */
export const testCatalogs: Record<string, Catalog> = {
  crm: {
    system: 'crm',
    entities: {
      Order: {
        keys: ['Number'],
        label: 'Order',
        fields: {
          Number: { type: 'string', maxLength: 20 },
          Status: { type: 'enum', values: ['Draft', 'Activated'] },
          Amount: { type: 'decimal', precision: 18, scale: 2, nullable: true },
          Placed: { type: 'date' },
          Note: { type: 'string', nullable: true, maxLength: 1000 },
          Lines: { type: 'list', entity: 'OrderLine' },
        },
      },
      OrderLine: {
        keys: [],
        child: true,
        fields: {
          Sku: { type: 'string', maxLength: 40 },
          Qty: { type: 'double' },
          Price: { type: 'decimal', nullable: true },
        },
      },
    },
  },
  erp: {
    system: 'erp',
    timezone: 'Asia/Shanghai',
    entities: {
      SalesOrder: {
        keys: ['BillNo'],
        fields: {
          BillNo: { type: 'string', maxLength: 30, requiredOnCreate: true },
          BillDate: { type: 'date', requiredOnCreate: true },
          Total: { type: 'decimal', precision: 18, scale: 2 },
          Remark: { type: 'string', maxLength: 255, nullable: true },
          Audited: { type: 'boolean', readOnly: true },
          Entries: { type: 'list', entity: 'SalesOrderEntry' },
        },
      },
      SalesOrderEntry: {
        keys: [],
        child: true,
        fields: {
          Material: { type: 'string', maxLength: 40, requiredOnCreate: true },
          Qty: { type: 'decimal', precision: 18, scale: 2, requiredOnCreate: true },
          Price: { type: 'decimal', precision: 18, scale: 2 },
        },
      },
    },
  },
};

export const connections = `apiVersion: syncspec.dev/v1
kind: Connection
metadata: { name: crm-prod }
spec: { system: crm, url: "https://crm.example.com", auth: { token: { env: CRM_TOKEN } } }
---
apiVersion: syncspec.dev/v1
kind: Connection
metadata: { name: erp-prod }
spec: { system: erp, url: "https://erp.example.com", timezone: Asia/Shanghai, auth: { token: { env: ERP_TOKEN } } }
---
apiVersion: syncspec.dev/v1
kind: LookupTable
metadata: { name: units }
spec: { entries: { box: BOX, kg: KG }, default: PCS }
`;

export function documents(files: Record<string, string>): LoadedDocument[] {
  const docs: LoadedDocument[] = [];
  for (const [file, text] of Object.entries(files)) {
    const loaded = loadText(file, text);
    if (loaded.diagnostics.some((d) => d.severity === 'error')) {
      throw new Error(`fixture ${file} does not load: ${loaded.diagnostics.map((d) => `${d.code} ${d.summary}`).join('; ')}`);
    }
    docs.push(...loaded.documents);
  }
  return docs;
}

export function repoOf(docs: readonly LoadedDocument[], catalogs: Record<string, Catalog> = testCatalogs): MappingRepo {
  return mappingRepo(docs, (system) => (Object.hasOwn(catalogs, system) ? catalogs[system] : undefined), compileExpression);
}

/** A SyncSpec from crm Order to erp SalesOrder with the given `fields:` block (indented YAML) and extras. */
export function orderSpec(fieldsYaml: string, extra = ''): string {
  return `apiVersion: syncspec.dev/v1
kind: SyncSpec
metadata: { name: orders }
spec:
  version: 1.0.0
  owner: team@example.com
  source: { connection: crm-prod, entity: Order, key: Number }
  target: { connection: erp-prod, entity: SalesOrder, key: BillNo }
  triggers: [{ poll: { every: 5m } }]
  fields:
${fieldsYaml}
${extra}`;
}
