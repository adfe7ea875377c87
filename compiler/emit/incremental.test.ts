import { describe, expect, it } from 'vitest';
import { compileExpression } from '../cel/index.ts';
import { PACKAGE_ROOT } from '../cli/repo.ts';
import { connections, orderSpec, testCatalogs } from '../../test/codegen-fixtures.ts';
import { IncrementalGenerator } from './incremental.ts';

const FIELDS = `    BillNo: source.Number
    BillDate: source.Placed
    Remark: source.Note`;
const spec = (name: string, fields = FIELDS): string => orderSpec(fields).replace('name: orders', `name: ${name}`);

function generator(): IncrementalGenerator {
  return new IncrementalGenerator({
    root: PACKAGE_ROOT,
    outDir: `${PACKAGE_ROOT}/.cache/incremental-test`,
    compile: compileExpression,
    catalogs: () => (system) => (Object.hasOwn(testCatalogs, system) ? testCatalogs[system] : undefined),
  });
}

describe('IncrementalGenerator', () => {
  it('recompiles and re-emits only the edited spec', () => {
    const g = generator();
    const first = g.update(new Map([['specs/conn.yaml', connections], ['specs/a.yaml', spec('a')], ['specs/b.yaml', spec('b')]]));
    expect(first.recompiled).toEqual(['a', 'b']);
    expect(first.diagnostics).toEqual([]);
    expect(g.files().map((f) => f.path)).toEqual(['a/plan.json', 'a/transform.ts', 'a/types.ts', 'b/plan.json', 'b/transform.ts', 'b/types.ts', 'index.ts']);
    const edit = g.update(new Map([['specs/b.yaml', spec('b', FIELDS.replace('source.Note', "source.Note.orValue('-')"))]]));
    expect(edit.recompiled).toEqual(['b']);
    expect(edit.changed.map((f) => f.path).sort()).toEqual(['b/plan.json', 'b/transform.ts', 'b/types.ts']);
    expect(edit.diagnostics).toEqual([]);
  });

  it('reports the edited spec\'s errors and keeps its last good code', () => {
    const g = generator();
    g.update(new Map([['specs/conn.yaml', connections], ['specs/a.yaml', spec('a')]]));
    const before = g.files().find((f) => f.path === 'a/transform.ts')?.text;
    const broken = g.update(new Map([['specs/a.yaml', spec('a', FIELDS.replace('source.Note', 'source.Nope'))]]));
    expect(broken.diagnostics.map((d) => [d.code.slice(0, 4), d.range?.start.line])).toEqual([['SS31', 13]]);
    expect(broken.changed).toEqual([]);
    expect(g.files().find((f) => f.path === 'a/transform.ts')?.text).toBe(before);
  });

  it('recompiles everything when a lookup table or connection changes, and drops deleted specs', () => {
    const g = generator();
    g.update(new Map([['specs/conn.yaml', connections], ['specs/a.yaml', spec('a')], ['specs/b.yaml', spec('b')]]));
    expect(g.update(new Map([['specs/conn.yaml', connections.replace('box: BOX', 'box: CASE')]])).recompiled).toEqual(['a', 'b']);
    const removed = g.update(new Map([['specs/b.yaml', undefined]]));
    expect(removed.removed.sort()).toEqual(['b/plan.json', 'b/transform.ts', 'b/types.ts']);
    expect(removed.changed.map((f) => f.path)).toEqual(['index.ts']);
    expect(g.files().map((f) => f.path)).toEqual(['a/plan.json', 'a/transform.ts', 'a/types.ts', 'index.ts']);
  });
});
