import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { DataPath } from '../model.ts';
import { BlockLayout } from './block-positions.ts';
import { fastValues } from './fast.ts';
import { LineIndex } from './position.ts';
import { parseYamlText } from './yaml-doc.ts';

/** Every path to a node of `v` (the root included). */
function paths(v: unknown, at: (string | number)[] = [], out: DataPath[] = []): DataPath[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

/** Compares the quick start with the parser's on every node; returns how many the quick reader answered. */
function compare(text: string): { answered: number; nodes: number } {
  const values = fastValues(text);
  if (!values) return { answered: 0, nodes: 0 };
  const parsed = parseYamlText('x.yaml', new LineIndex(text));
  const layout = new BlockLayout(text);
  let answered = 0;
  let nodes = 0;
  values.forEach((value, index) => {
    const positions = parsed.find((p) => p.index === index)?.positions;
    for (const path of paths(value)) {
      nodes++;
      const quick = layout.valueStart(index, path);
      if (quick === undefined) continue;
      answered++;
      expect({ path, offset: quick }).toEqual({ path, offset: positions?.locate(path).start.offset });
    }
  });
  return { answered, nodes };
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

describe('BlockLayout.valueStart', () => {
  it('gives the parser’s position for every node of every spec and fixture it answers for, and answers for most', () => {
    let answered = 0;
    let nodes = 0;
    for (const file of [...yamlFiles('specs'), ...yamlFiles('test/fixtures')]) {
      const r = compare(readFileSync(file, 'utf8'));
      answered += r.answered;
      nodes += r.nodes;
    }
    expect(nodes).toBeGreaterThan(5_000);
    // The specs are written in the layout it reads (what it leaves are the entries of multi-line or nested
    // flow collections): it must not leave the parser much of the work.
    expect(answered / nodes).toBeGreaterThan(0.85);
  });

  const key = fc.oneof(fc.constantFrom('a', 'FName', 'F_SYNC_SourceId', '客户', 'x.y', 'on', 'true', '1', 'a-b', 'k/v'), fc.string({ maxLength: 6 }));
  const scalar = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom("size(x) > 3 ? 'a' : \"b\"", 'a: b', '# not a comment', '- x', 'line\nline', '  lead', '|x', '{ a }', '[1]'));
  const node = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('list')),
    map: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    list: fc.array(tie('value'), { maxLength: 4 }),
  }));
  const layouts = fc.record({ indent: fc.integer({ min: 1, max: 4 }), seqNoIndent: fc.boolean(), seqInlineFirst: fc.boolean(), flowBracketPadding: fc.boolean(), flowLevel: fc.constantFrom(-1, -1, 1, 2, 3), comments: fc.boolean() });

  it('gives the parser’s position on random documents in any layout js-yaml writes, or nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(key, node.value, { minKeys: 1, maxKeys: 5 }), { minLength: 1, maxLength: 3 }), layouts, (docs, l) => {
        let text = docs.map((d) => dump(d, { indent: l.indent, seqNoIndent: l.seqNoIndent, seqInlineFirst: l.seqInlineFirst, flowBracketPadding: l.flowBracketPadding, flowLevel: l.flowLevel, lineWidth: 40 })).join('---\n');
        // Comments and blank lines between entries, at any indentation.
        if (l.comments) text = text.replace(/\n(?=( *)\S)/g, (m, sp: string) => `\n${sp}# note\n\n${m.slice(1)}`);
        compare(text);
      }),
      { numRuns: 400 },
    );
  });

  it('answers for every mapping of every SyncSpec in specs/ (the positions generate writes into code)', () => {
    for (const file of yamlFiles('specs')) {
      const text = readFileSync(file, 'utf8');
      const layout = new BlockLayout(text);
      fastValues(text)?.forEach((doc, index) => {
        const d = doc as { kind?: string; spec?: { fields?: unknown } };
        if (d.kind !== 'SyncSpec') return;
        for (const path of paths(d.spec?.fields, ['spec', 'fields'])) expect(layout.valueStart(index, path), `${file} ${path.join('.')}`).toBeDefined();
      });
    }
  });

  it('declines what it does not read: carriage returns, flow roots, quoted keys, anchors, markers with content', () => {
    expect(new BlockLayout('a: 1\r\nb: 2\r\n').valueStart(0, ['b'])).toBeUndefined();
    expect(new BlockLayout('{ a: 1 }\n').valueStart(0, ['a'])).toBeUndefined();
    expect(new BlockLayout('"a": 1\n').valueStart(0, ['a'])).toBeUndefined();
    expect(new BlockLayout('a: &x 1\n').valueStart(0, ['a'])).toBeUndefined();
    expect(new BlockLayout('--- a: 1\n').valueStart(0, ['a'])).toBeUndefined();
    expect(new BlockLayout('a:\n  b: 1\n').valueStart(0, ['a', 'b'])).toBe(8);
    expect(new BlockLayout('# c\n---\na: 1\n---\nb:\n- x\n- y\n').valueStart(1, ['b', 1])).toBe(26);
    expect(new BlockLayout("f: { expr: 'a, b', default: \"}\" }\n").valueStart(0, ['f', 'default'])).toBe(28);
    expect(new BlockLayout('f: { a: { b: 1 } }\n').valueStart(0, ['f', 'a', 'b'])).toBeUndefined();
    expect(new BlockLayout('f: { a: 1,\n  b: 2 }\n').valueStart(0, ['f', 'b'])).toBeUndefined();
  });
});
