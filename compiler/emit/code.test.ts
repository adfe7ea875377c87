import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodegenError, docLines, ident, isIdentifier, jsDoc, lineComment, lit, objectKey, propKey, ts } from './code.ts';

describe('lit', () => {
  it('round-trips any JSON string through JavaScript evaluation', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const code = lit(s).text;
        expect(code).not.toMatch(/[\u2028\u2029\n\r]/);
        expect(new Function(`return ${code};`)()).toBe(s);
      }),
    );
  });
  it('escapes the JavaScript line separators JSON leaves raw', () => {
    expect(lit('a\u2028b\u2029c').text).toBe('"a\\u2028b\\u2029c"');
  });
  it('refuses values without a literal form', () => {
    expect(() => lit(undefined)).toThrow(CodegenError);
  });
});

describe('ident', () => {
  it('accepts plain identifiers and refuses everything else', () => {
    expect(ident('Source_OrderItem').text).toBe('Source_OrderItem');
    for (const bad of ['class', 'constructor', '__proto__', 'a b', '名称', '1x', '', 'x-y', 'a*/b', '`x`']) {
      expect(() => ident(bad), bad).toThrow(/SS4001/);
    }
  });
  it('never lets through text that is not a single identifier token', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        if (isIdentifier(s)) expect(s).toMatch(/^[A-Za-z_$][\w$]*$/);
        else expect(() => ident(s)).toThrow(CodegenError);
      }),
    );
  });
});

describe('property names', () => {
  it('quotes non-identifiers and never writes a bare __proto__', () => {
    expect(propKey('FName').text).toBe('FName');
    expect(propKey('名称').text).toBe('"名称"');
    expect(propKey('__proto__').text).toBe('"__proto__"');
    expect(objectKey('__proto__').text).toBe('["__proto__"]');
    expect(objectKey('constructor').text).toBe('constructor');
  });
  it('an object literal built with objectKey defines own properties only', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString')), { maxLength: 5 }), (keys) => {
        const unique = [...new Set(keys)];
        const body = unique.map((k, i) => `${objectKey(k).text}: ${i}`).join(', ');
        const obj = new Function(`return { ${body} };`)() as Record<string, number>;
        expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
        unique.forEach((k, i) => expect(Object.getOwnPropertyDescriptor(obj, k)?.value).toBe(i));
      }),
    );
  });
});

describe('comments', () => {
  it('a JSDoc block of any text stays one comment', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const code = `${jsDoc([s]).text}const x = 1;`;
        expect(new Function(`${code} return x;`)()).toBe(1);
      }),
    );
    expect(docLines('end */ here')).toEqual(['end *\\/ here']);
  });
  it('a line comment of any text stays on one line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(new Function(`${lineComment(s).text}\nreturn 2;`)()).toBe(2);
      }),
    );
  });
});

describe('ts tag', () => {
  it('joins code holes verbatim', () => {
    expect(ts`const ${ident('a')} = ${lit('x')};`.text).toBe('const a = "x";');
  });
});

describe('wire defaults', () => {
  it('writes numeric defaults of decimal fields as decimal text without exponents', async () => {
    const { decimalText, wireDefault } = await import('./transform-file.ts');
    expect(wireDefault({ type: 'decimal', scale: 2 }, 0)).toBe('0');
    expect(wireDefault({ type: 'decimal' }, 12.5)).toBe('12.5');
    expect(wireDefault({ type: 'integer' }, 7)).toBe(7);
    expect(wireDefault({ type: 'string' }, 'x')).toBe('x');
    expect([decimalText(1e-7), decimalText(-2.5e-3), decimalText(1e21), decimalText(1.5e22)]).toEqual(['0.0000001', '-0.0025', '1000000000000000000000', '15000000000000000000000']);
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(Number(decimalText(n))).toBe(n === 0 ? 0 : n);
      }),
    );
  });
});

describe('constant mappings', () => {
  it('are the compiled expressions that read no input and are not plain literals', async () => {
    const { isConstant } = await import('./transform-file.ts');
    expect(isConstant('rt.outDec(rt.round(rt.decimal(13n), 2n), 10, 23)')).toBe(true);
    expect(isConstant('rt.outStr("source.Name", 10)')).toBe(true);
    expect(isConstant('"XSDD01_SYS"')).toBe(false);
    expect(isConstant('12.5')).toBe(false);
    expect(isConstant('rt.fStr(source, "Name")')).toBe(false);
    expect(isConstant('rt.fStr(item, "Sku")')).toBe(false);
    expect(isConstant('rt.lookup(ctx, "units", "box", "string")')).toBe(false);
    expect(isConstant('rt.x("a\\"b", source)')).toBe(false);
    expect(isConstant('obj.source')).toBe(true);
  });
});
