/**
 * `npm run bench:validate` — cold-process time of `syncspec validate` over 1,000 generated specs, against the
 * naive in-process approach (yaml parseDocument + ajv + @bufbuild/cel parse per file). Prints figures only;
 * nothing here asserts a time.
 *
 * The repository is generated from specs/: every Connection, LookupTable and EntitySchema once, every flow
 * once under its own name (so ref() targets exist), and the rest as renamed variants of the flows with varied
 * descriptions (some Chinese) and owners, so every file is distinct.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const TOTAL = Number(process.env.BENCH_FILES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []));
}

function generate(target: string): number {
  const templates = walk(join(root, 'specs'));
  const flows: string[] = [];
  let n = 0;
  for (const file of templates) {
    const text = readFileSync(file, 'utf8');
    const out = join(target, relative(join(root, 'specs'), file));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, text);
    n++;
    if (/^kind:\s*SyncSpec\s*$/m.test(text)) flows.push(text);
  }
  if (flows.length === 0) throw new Error('specs/ has no SyncSpec to vary');
  const descriptions = ['客户主数据同步 (CRM → ERP)', 'Orders with lines, every five minutes', '发票回写 — invoices back to the CRM', 'Nightly reconcile of payments'];
  mkdirSync(join(target, 'generated-flows'), { recursive: true });
  for (let i = 0; n < TOTAL; i++, n++) {
    const base = flows[i % flows.length] ?? '';
    const variant = base
      .replace(/^(metadata:\n(?:  .*\n)*?  name: )(\S+)/m, (_m, head: string, name: string) => `${head}${name.slice(0, 50)}-g${i}`)
      .replace(/^(  owner: ).*$/m, `$1team-${i % 13}@example.com`)
      .replace(/^(spec:\n)/m, `$1  description: ${JSON.stringify(`${descriptions[i % descriptions.length]} #${i}`)}\n`);
    writeFileSync(join(target, 'generated-flows', `flow-${String(i).padStart(4, '0')}.yaml`), variant.replace(/^  description: .*\n(?=(?:.*\n)*?  description: )/m, ''));
  }
  return n;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/** Makes the child report its own CPU time on exit: unlike wall time, it does not depend on what else runs. */
const CPU_PROBE = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\n@cpu '+JSON.stringify(process.cpuUsage())+'\\n'))`;

function cold(dir: string): { ms: number; cpuMs: number; status: number | null; summary: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', CPU_PROBE, join(root, 'bin/syncspec.js'), 'validate', dir, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  const cpu = /@cpu (\{.*\})/.exec(r.stderr);
  const usage = cpu ? (JSON.parse(cpu[1] ?? '{}') as { user: number; system: number }) : { user: Number.NaN, system: Number.NaN };
  const cpuMs = (usage.user + usage.system) / 1000;
  let summary = r.stderr.replace(/\n?@cpu .*\n?/, '').trim().split('\n')[0] ?? '';
  try {
    summary = JSON.stringify((JSON.parse(r.stdout) as { summary: unknown }).summary);
  } catch {
    // keep stderr
  }
  return { ms, cpuMs, status: r.status, summary };
}

async function naive(files: string[]): Promise<{ ms: number; cpuMs: number }> {
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const { parseDocument } = require('yaml') as typeof import('yaml');
  const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => { compile(s: unknown): (d: unknown) => boolean } }).default;
  const addFormats = (require('ajv-formats') as { default: (a: unknown) => void }).default;
  const { parse } = await import('@bufbuild/cel');
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const validators = new Map<string, (d: unknown) => boolean>();
  let problems = 0;
  const celTexts = (v: unknown, out: string[]): void => {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) celTexts(x, out);
  };
  for (const file of files) {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    const value = doc.toJS() as { kind?: string; spec?: { filter?: unknown; fields?: unknown } };
    const kind = String(value.kind);
    let validate = validators.get(kind);
    if (!validate) {
      validate = ajv.compile(JSON.parse(readFileSync(join(root, 'schemas', `${kind}.schema.json`), 'utf8')));
      validators.set(kind, validate);
    }
    if (!validate(value)) problems++;
    if (kind === 'SyncSpec') {
      const exprs: string[] = [];
      celTexts(value.spec?.filter, exprs);
      celTexts(value.spec?.fields, exprs);
      for (const e of exprs) {
        try {
          parse(e);
        } catch {
          problems++;
        }
      }
    }
  }
  void problems;
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Where the time goes, in this (warm) process: finding files, load + schema per file, semantic checks. */
async function phases(dir: string): Promise<void> {
  const { collectFiles } = await import('../compiler/load/index.ts');
  const { loadAndValidateFile } = await import('../compiler/validate/file.ts');
  const { SchemaSet } = await import('../compiler/validate/index.ts');
  const { checkRepo } = await import('../compiler/check/index.ts');
  const schemas = new SchemaSet();
  const rows: number[][] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const { files } = collectFiles([dir], root);
    const t1 = performance.now();
    const checked = files.map((f) => loadAndValidateFile(f, root, schemas, undefined));
    const t2 = performance.now();
    checkRepo(checked.flatMap((c) => c.load.documents));
    rows.push([t1 - t0, t2 - t1, performance.now() - t2]);
  }
  const m = (k: number) => median(rows.map((r) => r[k] ?? 0)).toFixed(0);
  console.log(`in-process phases (median of 3, warm): collect ${m(0)} ms, load + schema ${m(1)} ms, semantic checks ${m(2)} ms`);
}

const dir = mkdtempSync(join(tmpdir(), 'syncspec-bench-'));
try {
  const count = generate(dir);
  const bytes = walk(dir).reduce((s, f) => s + statSync(f).size, 0);
  console.log(`generated ${count} spec files (${(bytes / 1024).toFixed(0)} KiB) in ${dir}`);
  // Wall time on a shared machine depends on what else runs: say how busy it was.
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`${availableParallelism()} cores, load average ${load()}`);
  const first = cold(dir);
  console.log(`first run (fills the validator cache if empty): ${first.ms.toFixed(0)} ms, exit ${first.status}, ${first.summary}`);
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = cold(dir);
    times.push(r.ms);
    cpus.push(r.cpuMs);
  }
  const m = median(times);
  console.log(`syncspec validate, cold process, ${RUNS} runs: median ${m.toFixed(0)} ms wall (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}) → ${((count / m) * 1000).toFixed(0)} files/s`);
  console.log(`  CPU time of the process (user + system): median ${median(cpus).toFixed(0)} ms (min ${Math.min(...cpus).toFixed(0)}) (about the wall time on an idle machine)`);
  await phases(dir);
  const naiveRuns: { ms: number; cpuMs: number }[] = [];
  for (let i = 0; i < 3; i++) naiveRuns.push(await naive(walk(dir)));
  const nm = median(naiveRuns.map((r) => r.ms));
  console.log(`naive in-process (yaml parseDocument + ajv + @bufbuild/cel parse), 3 runs: median ${nm.toFixed(0)} ms wall → ${((count / nm) * 1000).toFixed(0)} files/s; CPU median ${median(naiveRuns.map((r) => r.cpuMs)).toFixed(0)} ms`);
  console.log(`load average after: ${load()}`);
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
