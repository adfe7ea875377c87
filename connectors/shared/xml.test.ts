import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { childElements, escapeXml, firstChild, isNil, parseXml, textOf, XmlError, type XmlElement } from './xml.ts';

describe('parseXml', () => {
  it('reads a SOAP envelope with namespaces, nil and entities', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<s:Envelope xmlns:s="urn:x"><s:Body><n xmlns:xsi="urn:i"><A>a &amp; b &#x4E2D;&#25991;</A><B xsi:nil="true"/><C><![CDATA[<raw>]]></C></n></s:Body></s:Envelope>',
    );
    expect(root.local).toBe('Envelope');
    const n = firstChild(firstChild(root, 'Body') as XmlElement, 'n') as XmlElement;
    expect(textOf(firstChild(n, 'A') as XmlElement)).toBe('a & b 中文');
    expect(isNil(firstChild(n, 'B') as XmlElement)).toBe(true);
    expect(textOf(firstChild(n, 'C') as XmlElement)).toBe('<raw>');
    expect(childElements(n).map((c) => c.local)).toEqual(['A', 'B', 'C']);
  });

  it('refuses DOCTYPE and custom entities (no expansion attacks)', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><r>&lol2;</r>';
    expect(() => parseXml(bomb)).toThrow(XmlError);
    expect(() => parseXml('<r>&ext;</r>')).toThrow(/not allowed/);
    expect(() => parseXml('<r>&#0;</r>')).toThrow(XmlError);
  });

  it('refuses malformed documents with an offset', () => {
    for (const bad of ['', '<a>', '<a></b>', '<a/><b/>', 'text<a/>', '<a x=1/>', '<a x="1" x="2"/>', '<a>&amp</a>', '<a><!-- x</a>']) {
      expect(() => parseXml(bad), bad).toThrow(XmlError);
    }
    expect(() => parseXml('<a>'.repeat(100) + '</a>'.repeat(100))).toThrow(/deeper/);
    expect(() => parseXml('<a/>', { maxBytes: 2 })).toThrow(/larger/);
  });

  const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,6}$/);
  const tree: fc.Arbitrary<XmlElement> = fc.letrec((tie) => ({
    el: fc.record({
      name,
      attrs: fc.dictionary(name, fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      children: fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), tie('el')), { maxLength: 3 }),
    }),
  })).el.map(function norm(e: unknown): XmlElement {
    const x = e as { name: string; attrs: Record<string, string>; children: unknown[] };
    // Adjacent text nodes merge when serialised: merge them here too.
    const children: (XmlElement | string)[] = [];
    for (const c of x.children) {
      const last = children[children.length - 1];
      if (typeof c === 'string' && typeof last === 'string') children[children.length - 1] = last + c;
      else children.push(typeof c === 'string' ? c : norm(c));
    }
    return { name: x.name, local: x.name, attrs: { ...x.attrs }, children };
  });
  const write = (e: XmlElement): string =>
    `<${e.name}${Object.entries(e.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('')}>${e.children
      .map((c) => (typeof c === 'string' ? escapeXml(c) : write(c)))
      .join('')}</${e.name}>`;

  it('round-trips any element tree it serialises (property)', () => {
    fc.assert(fc.property(tree, (t) => {
      expect(parseXml(write(t))).toEqual(t);
    }));
  });

  it('throws only XmlError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        try {
          parseXml(s);
        } catch (e) {
          expect(e).toBeInstanceOf(XmlError);
        }
      }),
    );
  });
});
