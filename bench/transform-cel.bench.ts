/**
 * Compiled CEL (syncspec's compiler → TypeScript) vs the same expressions interpreted by @bufbuild/cel
 * (plan once, evaluate per record) vs hand-written TypeScript, on a customer mapping.
 * Run: npm run bench:transform-cel [-- records]   (default 200000 records)
 * The mapping uses only standard CEL so the interpreter can run it unchanged.
 */
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { FieldDef } from '../compiler/catalog/types.ts';
import type { CelScope } from '../compiler/cel/api.ts';
import { compileExpression } from '../compiler/cel/index.ts';
import * as rt from '../runtime/support/index.ts';

const N = Number(process.argv[2] ?? 200_000);

const mapping: Record<string, string> = {
  FNumber: 'source.AccountNumber',
  FName: 'source.Name.size() > 80 ? source.Name.substring(0, 80) : source.Name',
  FTel: 'has(source.Phone) ? source.Phone : ""',
  FIsActive: 'source.Active__c == "Yes"',
  FEmployees: 'source.NumberOfEmployees * 2 + 1',
  FRevenue: 'source.AnnualRevenue / 1000.0',
  FType: 'source.Type.startsWith("Customer") ? "C" : "P"',
  FTags: 'source.Tags.size()',
};
/** Target fields (Kingdee BD_Customer-like), so compiled code also converts to the wire form. */
const targets: Record<string, FieldDef> = {
  FNumber: { type: 'string', maxLength: 30 },
  FName: { type: 'string', maxLength: 80 },
  FTel: { type: 'string' },
  FIsActive: { type: 'boolean' },
  FEmployees: { type: 'integer' },
  FRevenue: { type: 'double' },
  FType: { type: 'enum', values: ['C', 'P'] },
  FTags: { type: 'integer' },
};

const scope: CelScope = {
  variables: { source: { type: { kind: 'record', entity: 'Account' }, nullable: false } },
  entity: () => ({
    keys: ['AccountNumber'],
    fields: {
      AccountNumber: { type: 'string' },
      Name: { type: 'string' },
      Phone: { type: 'string', nullable: true },
      Active__c: { type: 'string' },
      NumberOfEmployees: { type: 'integer' },
      AnnualRevenue: { type: 'double' },
      Type: { type: 'string' },
      Tags: { type: 'list', entity: 'Tag' },
    },
  }),
  lookups: {},
  refs: {},
  timezone: 'Asia/Shanghai',
};

function records(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++)
    out.push({
      AccountNumber: `A-${i}`,
      Name: i % 10 === 0 ? 'x'.repeat(90) : `客户 ${i} 有限公司`,
      ...(i % 3 === 0 ? {} : { Phone: `+86 21 5555 ${i % 10000}` }),
      Active__c: i % 2 === 0 ? 'Yes' : 'No',
      NumberOfEmployees: i % 5000,
      AnnualRevenue: i * 12.5,
      Type: i % 4 === 0 ? 'Customer - Direct' : 'Prospect',
      Tags: ['vip', 'cn', 'retail'],
    });
  return out;
}

function compiled(): (source: Record<string, unknown>) => Record<string, unknown> {
  const parts: string[] = [];
  for (const [k, e] of Object.entries(mapping)) {
    const r = compileExpression(e, scope, targets[k]);
    if (!r.code) throw new Error(`${k}: ${JSON.stringify(r.diagnostics)}`);
    parts.push(`${JSON.stringify(k)}: ${r.code}`);
  }
  const body = `return { ${parts.join(', ')} };`;
  const f = new Function('rt', 'ctx', 'source', body) as (r: typeof rt, c: unknown, s: Record<string, unknown>) => Record<string, unknown>;
  return (s) => f(rt, {}, s);
}

function interpreted(): (source: Record<string, unknown>) => Record<string, unknown> {
  const env = celEnv({ funcs: strings });
  const plans = Object.entries(mapping).map(([k, e]) => [k, plan(env, parse(e))] as const);
  return (source) => {
    const out: Record<string, unknown> = {};
    for (const [k, p] of plans) {
      const v = p({ source } as unknown as Parameters<typeof p>[0]);
      if (isCelError(v)) throw v;
      out[k] = v;
    }
    return out;
  };
}

function handWritten(source: Record<string, unknown>): Record<string, unknown> {
  const name = source.Name as string;
  const num = source.AccountNumber as string;
  if (num.length > 30) throw new Error('FNumber too long');
  return {
    FNumber: num,
    FName: name.length > 80 ? name.slice(0, 80) : name,
    FTel: (source.Phone as string | undefined) ?? '',
    FIsActive: source.Active__c === 'Yes',
    FEmployees: (source.NumberOfEmployees as number) * 2 + 1,
    FRevenue: (source.AnnualRevenue as number) / 1000,
    FType: (source.Type as string).startsWith('Customer') ? 'C' : 'P',
    FTags: (source.Tags as string[]).length,
  };
}

function measure(name: string, f: (s: Record<string, unknown>) => Record<string, unknown>, data: Record<string, unknown>[]): number {
  for (let i = 0; i < Math.min(20_000, data.length); i++) f(data[i] as Record<string, unknown>);
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (const r of data) sink += Object.keys(f(r)).length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rps = (data.length / ms) * 1000;
  console.log(`${name.padEnd(28)} ${String(Math.round(rps)).padStart(10)} records/s  (${ms.toFixed(0)} ms, ${sink} fields)`);
  return rps;
}

const data = records(N);
const c = compiled();
const check = c(data[1] as Record<string, unknown>);
console.log('sample compiled output:', check);
if (process.env.SHOW_CODE) for (const [k, e] of Object.entries(mapping)) console.log(k, compileExpression(e, scope, targets[k]).code);
const hand = measure('hand-written TypeScript', handWritten, data);
const comp = measure('syncspec compiled CEL', c, data);
// The interpreter takes CEL ints as bigint: convert the integer field up front (not timed).
const interpData = data.slice(0, Math.max(1, Math.floor(N / 10))).map((r) => ({ ...r, NumberOfEmployees: BigInt(r.NumberOfEmployees as number) }));
const interp = measure('@bufbuild/cel plan+eval', interpreted(), interpData);
console.log(`compiled / interpreted: ${(comp / interp).toFixed(1)}x   compiled / hand-written: ${(comp / hand).toFixed(2)}x`);
