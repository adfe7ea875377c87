/**
 * `syncspec reconcile <spec>` — the consistency check (数据一致性校验): read both systems by business
 * key, compare through the spec's own transform, print a summary, write JSON + HTML reports, and with
 * `--repair` re-queue what is missing or different through the normal delivery path.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import { systemClock } from '../clock.ts';
import { parseDuration } from '../duration.ts';
import { createLogger } from '../ops/log.ts';
import { loadProject, reportProjectError, type ConnectionOverride, type Project } from '../project.ts';
import type { ReconcileResult } from '../reconcile/engine.ts';
import { ReconcileGauges } from '../reconcile/metrics.ts';
import { collectRepair, deliverRepair, enqueueRepair, reconcileSpec, repairIds, writeReports } from '../reconcile/run.ts';

const USAGE = `usage: syncspec reconcile <spec> [--repo specs] [--generated dir] [--store file|postgres://…]
         [--out reports] [--repair | --dry-run] [--json] [--page-size n] [--max-listed n]
         [--timeout 2m] [--connection name=url …] [--overrides file.json] [--metrics-file path]
`;

function overridesFrom(values: { connection?: string[] | undefined; overrides?: string | undefined }, io: CliIO): Record<string, ConnectionOverride> {
  const out: Record<string, ConnectionOverride> = {};
  if (values.overrides !== undefined) {
    const parsed = JSON.parse(readFileSync(resolve(io.cwd, values.overrides), 'utf8')) as Record<string, ConnectionOverride>;
    for (const [name, o] of Object.entries(parsed)) out[name] = o;
  }
  for (const c of values.connection ?? []) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new Error(`--connection takes name=url, got "${c}"`);
    const name = c.slice(0, eq);
    out[name] = { ...out[name], url: c.slice(eq + 1) };
  }
  return out;
}

function summaryText(r: ReconcileResult): string {
  const c = r.summary.counts;
  const lines = [
    `reconcile ${r.summary.spec}: ${c.source} source records (${c.filtered} filtered out), ${c.target} target records`,
    `  equal       ${c.equal}`,
    `  missing     ${c.missing}   (in the source, not in the target)`,
    `  extra       ${c.extra}   (in the target, not in the source)`,
    `  different   ${c.different}`,
    `  unmappable  ${c.unmappable}   (the transform fails on them; see the DLQ or the report)`,
  ];
  const fields = Object.entries(r.summary.fieldMismatches);
  if (fields.length > 0) lines.push(`  fields that differ: ${fields.map(([f, n]) => `${f} (${n})`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        repo: { type: 'string', default: 'specs' },
        generated: { type: 'string' },
        store: { type: 'string' },
        out: { type: 'string', default: 'reports' },
        repair: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'page-size': { type: 'string', default: '500' },
        'max-listed': { type: 'string', default: '100000' },
        timeout: { type: 'string', default: '2m' },
        connection: { type: 'string', multiple: true },
        overrides: { type: 'string' },
        'metrics-file': { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr(`syncspec reconcile: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  const pageSize = Number(values['page-size']);
  const maxListed = Number(values['max-listed']);
  const timeoutMs = parseDuration(values.timeout);
  if (positionals.length !== 1 || !Number.isSafeInteger(pageSize) || pageSize <= 0 || !Number.isSafeInteger(maxListed) || maxListed <= 0 || timeoutMs === undefined) {
    io.stderr(USAGE);
    return EXIT_USAGE;
  }
  if (values.repair && values['dry-run']) {
    io.stderr(`syncspec reconcile: --repair and --dry-run exclude each other (--dry-run shows what --repair would send)\n`);
    return EXIT_USAGE;
  }
  const spec = positionals[0] as string;
  let overrides: Record<string, ConnectionOverride>;
  try {
    overrides = overridesFrom(values, io);
  } catch (err) {
    io.stderr(`syncspec reconcile: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }

  let project: Project | undefined;
  try {
    project = await loadProject({
      repo: values.repo,
      cwd: io.cwd,
      specs: [spec],
      env: io.env,
      overrides,
      ...(values.generated !== undefined ? { generated: values.generated } : {}),
      ...(values.store !== undefined ? { store: values.store } : {}),
    });
    const worker = project.specs.find((s) => s.plan.name === spec);
    const catalog = project.catalogs.catalogFor(worker?.plan.target.system ?? '');
    const targetEntity = worker && catalog?.entities[worker.plan.target.entity];
    if (!worker || !catalog || !targetEntity) {
      io.stderr(`error SS5201: no catalog entity for the target of ${spec}\n`);
      return EXIT_PROBLEMS;
    }
    const options = await project.workerOptions();
    const source = options.connectors[worker.plan.source.connection];
    const target = options.connectors[worker.plan.target.connection];
    if (!source || !target) throw new Error(`connections of ${spec} could not be built`);

    const progress = io.isTTY && !io.env.CI;
    const input = {
      plan: worker.plan,
      transform: worker.transform,
      source,
      target,
      store: options.store,
      lookups: options.lookups ?? {},
      targetEntity,
      resolveEntity: (name: string) => catalog.entities[name],
      targetZone: catalog.timezone ?? 'UTC',
      pageSize,
      maxListed,
      ...(progress ? { onProgress: (p: { side: string; records: number }) => io.stderr(`\r  reading ${p.side}: ${p.records} records   `) } : {}),
    };
    const result = await reconcileSpec(input);
    if (progress) io.stderr('\r\x1b[K');
    const files = writeReports(result, resolve(io.cwd, values.out));
    if (values['metrics-file'] !== undefined) {
      const registry = new Registry();
      new ReconcileGauges(registry).record(result, systemClock.now());
      writeFileSync(resolve(io.cwd, values['metrics-file']), await registry.metrics());
    }

    const ids = repairIds(result);
    let repairText = '';
    let repairJson: unknown;
    if ((values.repair || values['dry-run']) && ids.size > 0) {
      const plan = await collectRepair(input, ids);
      if (values['dry-run']) {
        repairJson = { wouldSend: plan.records.map((r) => ({ sourceId: r.id, version: r.version })), vanished: plan.vanished };
        repairText = `dry run: --repair would re-send ${plan.records.length} record(s): ${plan.records.slice(0, 20).map((r) => r.id).join(', ')}${plan.records.length > 20 ? ', …' : ''}\n`;
      } else {
        const runId = result.summary.counts.source.toString(36) + '.' + systemClock.now().toString(36);
        const queued = await enqueueRepair(options.store, spec, plan.records, runId, systemClock);
        const log = createLogger({ level: io.env.LOG_LEVEL ?? 'warn', destination: { write: (line: string) => void io.stderr(line) } });
        const outcome = await deliverRepair(input, queued, { clock: systemClock, log, timeoutMs });
        repairJson = { ...outcome, vanished: plan.vanished };
        repairText =
          `repair: re-queued ${outcome.queued}, delivered ${outcome.delivered}, dead-lettered ${outcome.deadLettered}` +
          (outcome.pending > 0 ? `, still retrying ${outcome.pending} (a running worker finishes them)` : '') +
          '\n';
      }
    } else if (values.repair || values['dry-run']) {
      repairText = 'nothing to repair\n';
      repairJson = { queued: 0 };
    }

    if (values.json) io.stdout(`${JSON.stringify({ summary: result.summary, reports: files, ...(repairJson !== undefined ? { repair: repairJson } : {}) }, null, 2)}\n`);
    else io.stdout(`${summaryText(result)}${repairText}reports: ${files.json}\n         ${files.html}\n`);
    const c = result.summary.counts;
    const differences = c.missing + c.extra + c.different + c.unmappable;
    if (differences === 0) return EXIT_OK;
    io.stderr(`SS5203: ${spec}: ${differences} record(s) differ between the systems\n`);
    return EXIT_PROBLEMS;
  } catch (err) {
    try {
      reportProjectError(err, io);
    } catch {
      io.stderr(`error SS5202: reconcile of ${spec} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    return EXIT_USAGE;
  } finally {
    await project?.close();
  }
}
