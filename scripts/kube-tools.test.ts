import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { ensureKubeTools, helmPath, kubectlPath, readCentralDirectory, readEntry } from './kube-tools.ts';

/** A minimal zip writer (local headers, central directory, end record) to feed the reader. */
function zip(entries: { name: string; data: Buffer; method: 0 | 8 }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.method === 8 ? deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(crc32(e.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(crc32(e.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const dir = mkdtempSync(join(tmpdir(), 'syncspec-kube-tools-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zip reader', () => {
  test('reads stored and deflated entries of any content back byte for byte', () => {
    fc.assert(fc.property(fc.array(fc.record({ data: fc.uint8Array({ maxLength: 2000 }), method: fc.constantFrom(0 as const, 8 as const) }), { minLength: 1, maxLength: 4 }), (specs) => {
      const entries = specs.map((s, i) => ({ name: `dir/file-${i}`, data: Buffer.from(s.data), method: s.method }));
      const path = join(dir, 'prop.zip');
      writeFileSync(path, zip(entries));
      const fd = openSync(path, 'r');
      try {
        const cd = readCentralDirectory(fd);
        expect(cd.map((e) => e.name)).toEqual(entries.map((e) => e.name));
        cd.forEach((e, i) => expect(readEntry(fd, e).equals(entries[i]?.data ?? Buffer.alloc(0))).toBe(true));
      } finally {
        closeSync(fd);
      }
    }), { numRuns: 50 });
  });

  test('a file without an end record is refused with a clear message', () => {
    const path = join(dir, 'not.zip');
    writeFileSync(path, 'not a zip at all');
    const fd = openSync(path, 'r');
    try {
      expect(() => readCentralDirectory(fd)).toThrow('end of central directory record not found');
    } finally {
      closeSync(fd);
    }
  });
});

describe('ensureKubeTools', () => {
  test('extracts both tools executable, skips them when present with the same size, redoes a truncated one', () => {
    const path = join(dir, 'layer.zip');
    writeFileSync(path, zip([
      { name: 'kubectl/', data: Buffer.alloc(0), method: 0 },
      { name: 'kubectl/kubectl', data: Buffer.from('#!/bin/sh\necho kubectl\n'), method: 8 },
      { name: 'helm/helm', data: Buffer.from('#!/bin/sh\necho helm\n'), method: 0 },
    ]));
    const out = join(dir, 'bin');
    expect(ensureKubeTools(path, out).written).toEqual(['kubectl', 'helm']);
    expect(statSync(join(out, 'kubectl')).mode & 0o111).toBe(0o111);
    expect(execFileSync(join(out, 'helm')).toString()).toBe('helm\n');
    expect(ensureKubeTools(path, out).written).toEqual([]);
    writeFileSync(join(out, 'kubectl'), 'trunc');
    expect(ensureKubeTools(path, out).written).toEqual(['kubectl']);
    expect(readFileSync(join(out, 'kubectl'), 'utf8')).toBe('#!/bin/sh\necho kubectl\n');
  });

  test('a missing zip or entry names what is missing', () => {
    expect(() => ensureKubeTools(join(dir, 'absent.zip'), join(dir, 'x'))).toThrow(/absent\.zip is missing; run `npm install`/);
    const path = join(dir, 'nohelm.zip');
    writeFileSync(path, zip([{ name: 'kubectl/kubectl', data: Buffer.from('x'), method: 0 }]));
    expect(() => ensureKubeTools(path, join(dir, 'y'))).toThrow('has no entry helm/helm');
  });

  test('the real kubectl and helm from the npm package run', () => {
    ensureKubeTools();
    expect(JSON.parse(execFileSync(kubectlPath(), ['version', '--client', '-o', 'json']).toString()).clientVersion.minor).toBe('33');
    expect(execFileSync(helmPath(), ['version', '--short']).toString()).toMatch(/^v\d+\.\d+/);
  });
});
