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

describe('field reads shared by the mappings of a record', () => {
  const read = (k: string, n = ''): string => `rt.fieldStr${n}(source[${JSON.stringify(k)}], ${JSON.stringify(k)})`;
  /** Evaluates the rewritten codes in order, each in its own try as the generated transform does, counting reads. */
  async function run(codes: string[], source: Record<string, unknown>): Promise<{ values: unknown[]; reads: number }> {
    const { sharedReads } = await import('./transform-file.ts');
    const rt = await import('../../runtime/support/index.ts');
    let reads = 0;
    const counting = new Proxy(source, { get: (o, k) => (reads++, Reflect.get(o, k)) });
    const shared = sharedReads(codes);
    const locals = shared.declarations.map((d) => d.text.replace(/:.*;$/, ';')).join('\n');
    const body = `${locals}\nconst out = [];\n${shared.code.map((c) => `try { out.push(${c}); } catch (e) { out.push('error: ' + e.message); }`).join('\n')}\nreturn out;`;
    const values = new Function('rt', 'source', body)(rt, counting) as unknown[];
    return { values, reads };
  }

  it('reads a field used more than once a single time, with the same values', async () => {
    const { sharedReads } = await import('./transform-file.ts');
    const codes = [`rt.strSizeGt((${read('D', 'N')} ?? ""), 3) ? rt.substring((${read('D', 'N')} ?? ""), 0n, 3n) : (${read('D', 'N')} ?? "")`, read('Name'), `(${read('D', 'N')} ?? "x")`];
    const shared = sharedReads(codes);
    expect(shared.declarations.map((d) => d.text)).toEqual(['let m0: ReturnType<typeof rt.fieldStrN> | undefined;']);
    expect(shared.code[1]).toBe(codes[1]);
    for (const source of [{ D: 'abcdef', Name: 'n' }, { D: null, Name: 'n' }, { D: 'ab', Name: 'n' }]) {
      const plain = await run(codes.map((c) => c), source);
      const rewritten = await run(shared.code, source);
      expect(rewritten.values).toEqual(plain.values);
      expect(rewritten.values).toEqual(source.D === null ? ['', 'n', 'x'] : source.D === 'ab' ? ['ab', 'n', 'ab'] : ['abc', 'n', 'abcdef']);
    }
    expect((await run(shared.code, { D: 'abcdef', Name: 'n' })).reads).toBe(2);
  });

  it('reports a failing read for every mapping that uses it, and never reads earlier than the code did', async () => {
    const { sharedReads } = await import('./transform-file.ts');
    const codes = [`${read('A')} + ${read('B')}`, `${read('A')}`, `(false ? ${read('B')} : "skipped")`, read('B')];
    const shared = sharedReads(codes);
    const source = { A: 'a', B: { not: 'text' } };
    const rewritten = await run(shared.code, source);
    expect(rewritten.values).toEqual((await run(codes, source)).values);
    expect(rewritten.values[0]).toMatch(/^error: field B: expected string/);
    expect(rewritten.values.slice(1, 3)).toEqual(['a', 'skipped']);
    expect(rewritten.values[3]).toMatch(/^error: field B: expected string/);
    // Code with a template literal, and reads of other objects or readers, stay as they are.
    expect(sharedReads(['`${x}`' + read('A'), read('A')]).code[0]).toBe('`${x}`' + read('A'));
    expect(sharedReads(['rt.fieldDec(source["P"], "P")', 'rt.fieldDec(source["P"], "P")']).declarations).toEqual([]);
    expect(sharedReads(['rt.fieldStr(row["P"], "P")', 'rt.fieldStr(row["P"], "P")']).declarations).toEqual([]);
  });
});
