/**
 * A small, safe XML parser for SOAP pushes (Salesforce Outbound Messages). It never expands custom
 * entities: a DOCTYPE is refused outright (no billion-laughs, no external entities), only the five
 * predefined entities and numeric character references are decoded, and depth and size are bounded.
 */

export interface XmlElement {
  /** Qualified name as written (`soapenv:Body`). */
  name: string;
  /** Name without prefix (`Body`). */
  local: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export class XmlError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlError';
    this.offset = offset;
  }
}

export interface XmlLimits {
  maxBytes?: number;
  maxDepth?: number;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string, offset = 0): string {
  return text.replace(/&([^;&\s]{0,10});?/g, (whole, ref: string, at: number) => {
    if (!whole.endsWith(';')) throw new XmlError('unterminated entity reference', offset + at);
    const pre = PREDEFINED[ref];
    if (pre !== undefined) return pre;
    const m = /^#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7})$/.exec(ref);
    if (m?.[1] !== undefined) {
      const cp = m[1].startsWith('x') ? parseInt(m[1].slice(1), 16) : parseInt(m[1], 10);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0) throw new XmlError('invalid character reference', offset + at);
      return String.fromCodePoint(cp);
    }
    throw new XmlError(`entity "&${ref};" is not allowed`, offset + at);
  });
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${({ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' } as Record<string, string>)[c]};`);
}

/** Parses one XML document and returns its root element. Throws XmlError on anything malformed or unsafe. */
export function parseXml(input: string, limits: XmlLimits = {}): XmlElement {
  const maxBytes = limits.maxBytes ?? 8 * 1024 * 1024;
  const maxDepth = limits.maxDepth ?? 64;
  if (Buffer.byteLength(input, 'utf8') > maxBytes) throw new XmlError(`document larger than ${maxBytes} bytes`, 0);
  let i = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(input);
    if (!m) throw new XmlError('expected a name', i);
    i += m[0].length;
    return m[0];
  };
  const skipSpace = (): void => {
    while (i < input.length && /\s/.test(input[i] as string)) i++;
  };
  const expect = (s: string): void => {
    if (!input.startsWith(s, i)) throw new XmlError(`expected "${s}"`, i);
    i += s.length;
  };
  const addChild = (node: XmlNode): void => {
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else if (typeof node === 'string') {
      if (node.trim() !== '') throw new XmlError('text outside the root element', i);
    } else if (root) throw new XmlError('more than one root element', i);
  };

  while (i < input.length) {
    if (input[i] !== '<') {
      const end = input.indexOf('<', i);
      const stop = end === -1 ? input.length : end;
      const raw = input.slice(i, stop);
      if (raw.includes(']]>')) throw new XmlError('"]]>" in text', i);
      addChild(decodeEntities(raw, i));
      i = stop;
      continue;
    }
    if (input.startsWith('<!--', i)) {
      const end = input.indexOf('-->', i + 4);
      if (end === -1) throw new XmlError('unterminated comment', i);
      i = end + 3;
    } else if (input.startsWith('<![CDATA[', i)) {
      const end = input.indexOf(']]>', i + 9);
      if (end === -1 || stack.length === 0) throw new XmlError('misplaced or unterminated CDATA', i);
      addChild(input.slice(i + 9, end));
      i = end + 3;
    } else if (input.startsWith('<!', i)) {
      throw new XmlError('document type declarations are not accepted', i);
    } else if (input.startsWith('<?', i)) {
      const end = input.indexOf('?>', i + 2);
      if (end === -1) throw new XmlError('unterminated processing instruction', i);
      i = end + 2;
    } else if (input.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      expect('>');
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlError(`closing tag </${name}> does not match`, i);
      if (stack.length === 0) root = open;
    } else {
      i += 1;
      const name = readName();
      const el: XmlElement = { name, local: name.slice(name.indexOf(':') + 1), attrs: {}, children: [] };
      for (;;) {
        const before = i;
        skipSpace();
        if (input.startsWith('/>', i) || input[i] === '>') break;
        if (i === before) throw new XmlError('expected whitespace before attribute', i);
        const attr = readName();
        skipSpace();
        expect('=');
        skipSpace();
        const q = input[i];
        if (q !== '"' && q !== "'") throw new XmlError('attribute value must be quoted', i);
        const end = input.indexOf(q, i + 1);
        if (end === -1) throw new XmlError('unterminated attribute value', i);
        const value = input.slice(i + 1, end);
        if (value.includes('<')) throw new XmlError('"<" in attribute value', i);
        if (Object.hasOwn(el.attrs, attr)) throw new XmlError(`duplicate attribute ${attr}`, i);
        el.attrs[attr] = decodeEntities(value, i + 1);
        i = end + 1;
      }
      if (stack.length === 0 && root) throw new XmlError('more than one root element', i);
      addChild(el);
      if (input.startsWith('/>', i)) {
        i += 2;
        if (stack.length === 0) root = el;
      } else {
        i += 1;
        stack.push(el);
        if (stack.length > maxDepth) throw new XmlError(`nesting deeper than ${maxDepth}`, i);
      }
    }
  }
  if (stack.length > 0) throw new XmlError(`unclosed element <${(stack[stack.length - 1] as XmlElement).name}>`, i);
  if (!root) throw new XmlError('no root element', i);
  return root;
}

export function childElements(el: XmlElement, local?: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string' && (local === undefined || c.local === local));
}

export function firstChild(el: XmlElement, local: string): XmlElement | undefined {
  return childElements(el, local)[0];
}

export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

/** True when the element carries xsi:nil="true" (whatever prefix the document binds to XMLSchema-instance). */
export function isNil(el: XmlElement): boolean {
  return Object.entries(el.attrs).some(([k, v]) => k.endsWith(':nil') && v === 'true');
}
