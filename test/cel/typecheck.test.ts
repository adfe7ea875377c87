/**
 * Emitted expressions must type-check under the project's strict tsconfig (strict,
 * noUncheckedIndexedAccess, exactOptionalPropertyTypes) in the setting generated transforms give them:
 * `rt` is `#support`, `source`/`item` are records, `ctx` is the TransformContext.
 */
import { Project } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import type { FieldDef } from '../../compiler/catalog/types.ts';
import { scopeFor } from '../../compiler/cel/fixtures.ts';
import { compileExpression } from '../../compiler/cel/index.ts';

const cases: [string, FieldDef | undefined][] = [
  ['source.OrderNumber', { type: 'string', maxLength: 30 }],
  ['source.Description.orValue("").truncate(255)', { type: 'string', maxLength: 255 }],
  ['source.Status', { type: 'enum', values: ['Draft', 'Activated'] }],
  ['(source.TotalAmount * decimal("1.13")).round(2)', { type: 'decimal', precision: 18, scale: 2 }],
  ['source.Discount__c', { type: 'decimal', scale: 2 }],
  ['source.LineCount + 1', { type: 'integer' }],
  ['source.Priority__c', { type: 'integer' }],
  ['source.OrderItems[0].Quantity', { type: 'decimal', scale: 3 }],
  ['source.OrderItems[0].Quantity * 2.0', { type: 'double' }],
  ['date(source.CreatedDate, "Asia/Shanghai")', { type: 'date' }],
  ['source.CreatedDate', { type: 'datetime', zone: 'Asia/Shanghai' }],
  ['datetime(source.EffectiveDate)', { type: 'datetime' }],
  ['lookup("units", item.Unit__c)', { type: 'string' }],
  ['lookup("tax-rates", "CN")', { type: 'decimal', scale: 4 }],
  ['lookup("region-codes", source.LineCount)', { type: 'string' }],
  ['ref("crm-account-to-erp-customer", source.AccountId)', { type: 'reference', entity: 'Account' }],
  ['coalesce(source.Region__c, source.Description, "CN")', { type: 'string', requiredOnCreate: true }],
  ['hash(source.OrderNumber, source.LineCount)', { type: 'string' }],
  ['source.IsClosed || source.Status == "Activated" && has(source.Account)', { type: 'boolean' }],
  ['source.Account.Name', undefined],
  ['source.OrderItems.map(i, decimal(i.Quantity) * i.UnitPrice)', undefined],
  ['source.OrderItems.filter(i, i.Unit__c in ["EA", "BOX"]).size()', { type: 'integer' }],
  ['source.OrderItems.exists(i, i.ProductCode.orValue("").startsWith("P-"))', { type: 'boolean' }],
  ['{"a": 1, "b": 2}["a"] + size(source.OrderNumber)', { type: 'integer' }],
  ['[1, 2, 3].map(x, x * 2)[1]', { type: 'integer' }],
  ['dyn(source.LineCount) + 1', { type: 'integer' }],
  ['source.OrderNumber.split("-").join("/")', { type: 'string' }],
  ['"%s-%d".format([source.OrderNumber, source.LineCount])', { type: 'string' }],
  ['timestamp("2026-01-01T00:00:00Z") + duration("1h")', { type: 'datetime' }],
  ['source.CreatedDate.getHours("Asia/Shanghai") > 8 ? "late" : "early"', { type: 'string' }],
  ['source["名称"].orValue("无")', { type: 'string' }],
  ['optional.of(source.LineCount).orValue(0)', { type: 'integer' }],
  ['{"k": source.LineCount}.transformMap(k, v, v * 2)', undefined],
  ['source.IsClosed < true || source.OrderNumber < "B" || source.LineCount >= 2 || source.TotalAmount > 1', { type: 'boolean' }],
  ['source.EffectiveDate < date("2026-01-01") || source.CreatedDate > timestamp("2026-01-01T00:00:00Z")', { type: 'boolean' }],
  ['source.LineCount == 2.0 || 1u < 2u || b"a" < b"b"', { type: 'boolean' }],
  ['source.OrderItems.all(i, i.Quantity > 0.0) && source.OrderItems.exists_one(i, i.Unit__c == "EA")', { type: 'boolean' }],
  ['string(source.TotalAmount) + string(source.LineCount) + string(source.CreatedDate)', { type: 'string' }],
  ['source.TotalAmount - decimal("1") * 2 / 3', { type: 'decimal', scale: 20 }],
  ['-source.LineCount % 3', { type: 'integer' }],
  ['source.Description.orValue("").matches("^[A-Z]") ? 1.5 : double(source.LineCount)', { type: 'double' }],
];

describe('emitted code type-checks under the strict project tsconfig', () => {
  it('compiles every case without TypeScript errors', () => {
    const scope = scopeFor({ source: 'Order', item: 'OrderItem' });
    const lines = [
      "import * as rt from '#support';",
      "import type { TransformContext } from '#support';",
      'declare const source: Record<string, unknown>;',
      'declare const item: Record<string, unknown>;',
      'declare const ctx: TransformContext;',
    ];
    cases.forEach(([expr, field], i) => {
      const r = compileExpression(expr, scope, field);
      expect(r.diagnostics, expr).toEqual([]);
      lines.push(`// ${JSON.stringify(expr)}`, `export const e${i} = ${r.code};`);
    });
    lines.push('void source; void item; void ctx;');
    const project = new Project({ tsConfigFilePath: 'tsconfig.json', skipAddingFilesFromTsConfig: true });
    const file = project.createSourceFile('test/cel/__emitted_typecheck__.ts', lines.join('\n'), { overwrite: true });
    const diagnostics = project.getPreEmitDiagnostics().filter((d) => d.getSourceFile()?.getFilePath() === file.getFilePath());
    expect(project.formatDiagnosticsWithColorAndContext(diagnostics)).toBe('');
  });
});
