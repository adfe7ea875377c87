/**
 * Runs the cel-spec conformance suites (from @bufbuild/cel-spec) through syncspec's own compiler:
 * check → emit TypeScript → evaluate the emitted expression (with `new Function`, in tests only) →
 * compare with the expected value or error. Shared by the conformance test and `bench`-free reporting.
 */
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { Type } from '@bufbuild/cel-spec/cel/expr/checked_pb.js';
import type { Value } from '@bufbuild/cel-spec/cel/expr/value_pb.js';
import { getConformanceSuite, type IncrementalTest, type IncrementalTestSuite } from '@bufbuild/cel-spec/testdata/tests.js';
import { getTestRegistry } from '@bufbuild/cel-spec/testdata/registry.js';
import type { CelScope, CelType, TypedValue } from '../../compiler/cel/api.ts';
import { compileExpression } from '../../compiler/cel/index.ts';
import * as rt from '../../runtime/support/index.ts';

export const SECTIONS = ['basic', 'comparisons', 'conversions', 'fields', 'integer_math', 'fp_math', 'lists', 'logic', 'macros', 'macros2', 'parse', 'string', 'string_ext', 'timestamps', 'optionals'] as const;

export interface CaseResult {
  path: string;
  section: string;
  pass: boolean;
  /** Why it failed (stable text used to group gaps). */
  failure?: string;
}

const registry = getTestRegistry();
const IDENT = /^[A-Za-z_$][\w$]*$/;
const JS_RESERVED = new Set(['rt', 'ctx', 'source', 'item', 'class', 'function', 'var', 'let', 'const', 'new', 'delete', 'this', 'void', 'with', 'yield', 'await', 'enum', 'default', 'case', 'switch', 'typeof', 'instanceof', 'do', 'if', 'else', 'for', 'while', 'return', 'throw', 'try', 'catch', 'finally', 'import', 'export', 'super', 'extends', 'static', 'package', 'private', 'protected', 'public', 'interface', 'implements', 'arguments', 'eval', 'break', 'continue', 'debugger']);

class Unsupported extends Error {}

function celTypeOf(t: Type | undefined): CelType {
  const k = t?.typeKind;
  switch (k?.case) {
    case 'dyn':
      return { kind: 'dyn' };
    case 'null':
      return { kind: 'null' };
    case 'primitive':
      return ([{ kind: 'dyn' }, { kind: 'bool' }, { kind: 'int' }, { kind: 'uint' }, { kind: 'double' }, { kind: 'string' }, { kind: 'bytes' }] as CelType[])[k.value] ?? { kind: 'dyn' };
    case 'wellKnown':
      return k.value === 2 ? { kind: 'timestamp' } : k.value === 3 ? { kind: 'duration' } : { kind: 'dyn' };
    case 'listType':
      return { kind: 'list', elem: celTypeOf(k.value.elemType) };
    case 'mapType':
      return { kind: 'map', key: celTypeOf(k.value.keyType), value: celTypeOf(k.value.valueType) };
    case 'type':
      return { kind: 'type' };
    case 'messageType':
      if (k.value === 'google.protobuf.Timestamp') return { kind: 'timestamp' };
      if (k.value === 'google.protobuf.Duration') return { kind: 'duration' };
      throw new Unsupported(`declared type messageType ${k.value}`);
    default:
      throw new Unsupported(`declared type ${k?.case ?? 'unset'}`);
  }
}

export function runtimeValue(v: Value): unknown {
  const k = v.kind;
  switch (k.case) {
    case 'nullValue':
      return null;
    case 'boolValue':
    case 'stringValue':
      return k.value;
    case 'int64Value':
      return k.value;
    case 'uint64Value':
      return new rt.U64(k.value);
    case 'doubleValue':
      return k.value;
    case 'bytesValue':
      return k.value;
    case 'listValue':
      return k.value.values.map(runtimeValue);
    case 'mapValue':
      return rt.map(k.value.entries.map((e) => [runtimeValue(e.key as Value), runtimeValue(e.value as Value)] as const));
    case 'typeValue':
      return new rt.CelTypeValue(k.value);
    case 'objectValue': {
      const msg = anyUnpack(k.value, registry) as unknown as { $typeName: string; seconds?: bigint; nanos?: number; value?: unknown } | undefined;
      if (!msg) throw new Unsupported('object value');
      if (msg.$typeName === 'google.protobuf.Timestamp') return new rt.Timestamp((msg.seconds ?? 0n) * 1_000_000_000n + BigInt(msg.nanos ?? 0));
      if (msg.$typeName === 'google.protobuf.Duration') return new rt.Duration((msg.seconds ?? 0n) * 1_000_000_000n + BigInt(msg.nanos ?? 0));
      throw new Unsupported(`message value ${msg.$typeName}`);
    }
    default:
      throw new Unsupported(`value kind ${k.case ?? 'unset'}`);
  }
}

/** Same kind and same value (NaN equals NaN, unlike CEL's `==`). */
export function strictEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (rt.typeName(a) !== rt.typeName(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => strictEqual(x, b[i]));
  if (a instanceof rt.CelMap && b instanceof rt.CelMap) return a.size === b.size && a.entries().every(([k, v]) => { const e = b.entry(k); return e !== undefined && strictEqual(v, e[1]) && rt.typeName(k) === rt.typeName(e[0]); });
  return rt.eq(a, b);
}

function fail(path: string, section: string, failure: string): CaseResult {
  return { path, section, pass: false, failure };
}

export function runCase(section: string, path: string, t: IncrementalTest): CaseResult {
  const o = t.original;
  try {
    if (o.container !== '') return fail(path, section, 'container (namespace) resolution');
    const variables: Record<string, TypedValue> = {};
    // CEL cannot refer to a variable named like a literal (`true`, `false`, `null`): the literal wins.
    const literalNames = new Set(['true', 'false', 'null']);
    for (const d of o.typeEnv) {
      if (literalNames.has(d.name)) continue;
      if (d.declKind.case !== 'ident') return fail(path, section, 'function declarations in the test environment');
      variables[d.name] = { type: celTypeOf(d.declKind.value.type), nullable: false };
    }
    const values: Record<string, unknown> = {};
    for (const [name, ev] of Object.entries(o.bindings)) {
      if (literalNames.has(name)) continue;
      if (ev.kind.case !== 'value') return fail(path, section, 'error/unknown bindings');
      values[name] = runtimeValue(ev.kind.value);
      variables[name] ??= { type: { kind: 'dyn' }, nullable: false };
    }
    for (const n of Object.keys(variables)) if (!IDENT.test(n) || JS_RESERVED.has(n)) return fail(path, section, `variable name "${n}" (qualified or reserved)`);
    const scope: CelScope = { variables, entity: () => undefined, lookups: {}, refs: {}, timezone: 'UTC' };
    const compiled = compileExpression(o.expr, scope);
    const expectError = o.resultMatcher.case === 'evalError' || o.resultMatcher.case === 'anyEvalErrors';
    if (compiled.code === undefined) {
      const first = compiled.diagnostics[0];
      if (expectError && first && first.code !== 'SS3101' && first.code !== 'SS3119') return { path, section, pass: true };
      return fail(path, section, `compile: ${first?.code ?? '?'} ${first?.summary ?? ''}`);
    }
    if (o.checkOnly) return { path, section, pass: true };
    const names = Object.keys(values);
    const f = new Function('rt', 'ctx', ...names, `return ${compiled.code};`) as (...a: unknown[]) => unknown;
    let result: unknown;
    try {
      result = f(rt, {}, ...names.map((n) => values[n]));
    } catch (e) {
      if (e instanceof rt.CelError) return expectError ? { path, section, pass: true } : fail(path, section, `run-time ${e.code}: ${e.message}`);
      return fail(path, section, `JS exception ${(e as Error).name}: ${(e as Error).message}`);
    }
    if (expectError) return fail(path, section, `expected an error, got ${rt.typeName(result)}`);
    // A test without a result matcher expects `true` (cel-spec simple.proto).
    if (o.resultMatcher.case !== 'value' && o.resultMatcher.case !== undefined) return fail(path, section, `result matcher ${o.resultMatcher.case}`);
    const want = o.resultMatcher.case === 'value' ? runtimeValue(o.resultMatcher.value) : true;
    return strictEqual(result, want) ? { path, section, pass: true } : fail(path, section, `wrong value: got ${rt.typeName(result)} ${show(result)}, want ${rt.typeName(want)} ${show(want)}`);
  } catch (e) {
    if (e instanceof Unsupported) return fail(path, section, `test uses ${e.message}`);
    return fail(path, section, `harness exception: ${(e as Error).message}`);
  }
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof rt.U64 ? `${x.v}u` : x instanceof rt.CelMap ? Object.fromEntries(x.entries().map(([k, y]) => [String(k), y])) : x)).slice(0, 80);
  } catch {
    return String(v);
  }
}

function* walk(s: IncrementalTestSuite, prefix: string[]): Generator<[string, IncrementalTest]> {
  for (const t of s.tests) yield [[...prefix, t.name].join('/'), t];
  for (const sub of s.suites) yield* walk(sub, [...prefix, sub.name]);
}

export function runConformance(): CaseResult[] {
  const out: CaseResult[] = [];
  for (const sec of getConformanceSuite().suites) {
    if (!(SECTIONS as readonly string[]).includes(sec.name)) continue;
    for (const [path, t] of walk(sec, [sec.name])) out.push(runCase(sec.name, path, t));
  }
  return out;
}

export function passRateTable(results: readonly CaseResult[]): string {
  const rows = SECTIONS.map((s) => {
    const r = results.filter((x) => x.section === s);
    const pass = r.filter((x) => x.pass).length;
    return `${s.padEnd(14)} ${String(pass).padStart(4)} / ${String(r.length).padEnd(4)} ${((100 * pass) / Math.max(1, r.length)).toFixed(1).padStart(5)}%`;
  });
  const pass = results.filter((x) => x.pass).length;
  rows.push(`${'total'.padEnd(14)} ${String(pass).padStart(4)} / ${String(results.length).padEnd(4)} ${((100 * pass) / Math.max(1, results.length)).toFixed(1).padStart(5)}%`);
  return rows.join('\n');
}
