import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, isMap, isScalar, parseDocument, Scalar } from 'yaml';
import { LineIndex } from './position.ts';
import { mapScalar, type ScalarStyle } from './scalar-map.ts';
import { PARSE_OPTIONS, YamlPositions } from './yaml-doc.ts';

const STYLES: ScalarStyle[] = ['PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'];

/** Writes `value` under spec.fields.X in the requested style (yaml picks another style when it cannot represent it). */
function render(value: string, style: ScalarStyle, crlf: boolean): string {
  const doc = new Document({ spec: { fields: { X: value }, list: [value] } });
  const fields = (doc.getIn(['spec', 'fields'], true) as { items: { value: Scalar }[] }).items[0]?.value;
  if (fields) fields.type = style;
  const item = doc.getIn(['spec', 'list', 0], true) as Scalar;
  item.type = style;
  const text = doc.toString({ lineWidth: 24, minContentWidth: 8 });
  return crlf ? text.replace(/\n/g, '\r\n') : text;
}

function check(text: string, path: (string | number)[]): ScalarStyle | undefined {
  const doc = parseDocument(text, PARSE_OPTIONS);
  if (doc.errors.length > 0) return undefined;
  const node = doc.getIn(path, true);
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
  const style = node.type as ScalarStyle;
  const indent = (node.srcToken as { indent?: number } | undefined)?.indent ?? 0;
  const map = mapScalar(text, node.range[0], node.range[1], style, indent);
  expect(map?.value, `${style} ${JSON.stringify(text)}`).toBe(node.value);
  const value = node.value;
  const positions = new YamlPositions('f.yaml', new LineIndex(text), doc);
  let prev = -1;
  for (let i = 0; i < value.length; i++) {
    const pos = positions.locateInScalar(path, i);
    expect(pos.offset).toBeGreaterThanOrEqual(prev);
    prev = pos.offset;
    const ch = value.charAt(i);
    const src = text.charAt(pos.offset);
    if (style === 'QUOTE_DOUBLE' && src === '\\') continue; // an escape sequence produced it
    if (ch === ' ' || ch === '\n') {
      expect([ch, '\n', '\r', ' ']).toContain(src === '' ? '\n' : src);
      continue;
    }
    expect(src, `char ${i} of ${JSON.stringify(value)} in ${style}`).toBe(ch);
  }
  return style;
}

describe('locateInScalar', () => {
  it('maps every character back to the source in every scalar style (property)', () => {
    const seen = new Set<ScalarStyle>();
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.array(fc.constantFrom('a', 'b', ' ', '\n', '\t', '"', "'", '\\', '#', ':', '客户编号', '😀', '-', '  '), { maxLength: 30 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, fc.constantFrom(...STYLES), fc.boolean(), (value, style, crlf) => {
        const src = render(value, style, crlf);
        const a = check(src, ['spec', 'fields', 'X']);
        const b = check(src, ['spec', 'list', 0]);
        if (a) seen.add(a);
        if (b) seen.add(b);
      }),
      { numRuns: 600 },
    );
    expect([...seen].sort()).toEqual([...STYLES].sort());
  });

  it('points inside a CEL expression through a double-quoted escape and a folded block', () => {
    const text = 'spec:\n  filter: "a\\tb == \\"客户编号\\" && x"\n  fields:\n    F: >-\n      source.A +\n      source.B\n';
    const doc = parseDocument(text, PARSE_OPTIONS);
    const positions = new YamlPositions('f.yaml', new LineIndex(text), doc);
    const filter = String(doc.getIn(['spec', 'filter']));
    const x = filter.indexOf('x');
    expect(positions.locateInScalar(['spec', 'filter'], x)).toMatchObject({ line: 2, col: 32 });
    const cust = filter.indexOf('客');
    expect(positions.locateInScalar(['spec', 'filter'], cust)).toMatchObject({ line: 2, col: 22 });
    const f = String(doc.getIn(['spec', 'fields', 'F']));
    expect(f).toBe('source.A + source.B');
    expect(positions.locateInScalar(['spec', 'fields', 'F'], f.indexOf('source.B'))).toMatchObject({ line: 6, col: 7 });
    // Just past the end of a block scalar is the end of its last line, not the next line.
    expect(positions.locateInScalar(['spec', 'fields', 'F'], f.length)).toMatchObject({ line: 6, col: 15 });
    expect(isMap(doc.contents)).toBe(true);
  });

  it('falls back to the scalar start for an index past the end', () => {
    const text = 'a: hello\n';
    const positions = new YamlPositions('f.yaml', new LineIndex(text), parseDocument(text, PARSE_OPTIONS));
    expect(positions.locateInScalar(['a'], 99)).toMatchObject({ line: 1, col: 9 });
    expect(positions.locateInScalar(['missing'], 0)).toMatchObject({ line: 1, col: 1 });
  });
});
