/**
 * The Dockerfile cannot be built here (no container engine), so it is checked structurally: parsed into
 * stages and instructions, then held to what the chart relies on — multi-stage on a Node 24 base,
 * production dependencies from the lockfile, a fixed non-root USER matching the chart's runAsUser, the
 * `syncspec` entry point with `operator` as default command, no secrets baked in, and every folder the
 * runtime imports copied (checked against the import graph of the operator and CLI entry points).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../operator/config.ts';
import { ROOT } from './helpers.ts';

interface Instruction { op: string; args: string; line: number }
interface Stage { base: string; name: string | undefined; instructions: Instruction[] }

/** Dockerfile → stages (line continuations joined, comments and parser directives dropped). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i] ?? '';
    while (line.trimEnd().endsWith('\\') && i + 1 < lines.length) line = `${line.trimEnd().slice(0, -1)} ${lines[++i] ?? ''}`;
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/s.exec(t);
    if (!m) throw new Error(`Dockerfile:${start}: cannot parse "${t}"`);
    const op = (m[1] as string).toUpperCase();
    const args = (m[2] as string).replace(/\s+/g, ' ');
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`Dockerfile:${start}: bad FROM`);
      stages.push({ base: f[1] as string, name: f[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile:${start}: ${op} before FROM`);
    stage.instructions.push({ op, args, line: start });
  }
  return stages;
}

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(text);
const final = stages.at(-1) as Stage;
const all = (s: Stage, op: string): Instruction[] => s.instructions.filter((i) => i.op === op);

describe('Dockerfile', () => {
  test('multi-stage on Node 24; the final stage takes node_modules from the dependency stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.base).toMatch(/^node:24(\.\d+)*(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$/);
    const deps = stages[0] as Stage;
    expect(all(deps, 'RUN').map((r) => r.args).join('\n')).toMatch(/npm ci --omit=dev/);
    expect(all(final, 'COPY').some((c) => c.args.startsWith(`--from=${deps.name}`) && c.args.includes('/app/node_modules'))).toBe(true);
    // No package installation in the final stage: what runs is what the lockfile pinned.
    expect(all(final, 'RUN').map((r) => r.args).join('\n')).not.toMatch(/npm (ci|install)/);
  });

  test('runs as a fixed non-root user, the one the chart expects', () => {
    const users = all(final, 'USER');
    expect(users).toHaveLength(1);
    const [uid] = (users[0] as Instruction).args.split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    const values = parse(readFileSync(join(ROOT, 'charts/syncspec/values.yaml'), 'utf8'));
    expect(values.podSecurityContext.runAsUser).toBe(Number(uid));
    // USER comes after every COPY/RUN, so nothing after it runs as root.
    const last = Math.max(...final.instructions.filter((i) => i.op === 'RUN' || i.op === 'COPY').map((i) => i.line));
    expect((users[0] as Instruction).line).toBeGreaterThan(last);
  });

  test('entry point is the syncspec CLI; the default command runs the operator', () => {
    expect(JSON.parse((all(final, 'ENTRYPOINT')[0] as Instruction).args)).toEqual(['node', 'bin/syncspec.js']);
    expect(JSON.parse((all(final, 'CMD')[0] as Instruction).args)).toEqual(['operator']);
  });

  test('worker bundles mount inside the app folder, so generated code resolves `#support` from its package.json', () => {
    const workdir = (all(final, 'WORKDIR').at(-1) as Instruction).args;
    const parsed = parseConfig(['--worker-image', 'x'], {});
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    expect(parsed.config.worker.bundleDir.startsWith(`${workdir}/`)).toBe(true);
    expect(all(final, 'COPY').some((c) => / package\.json /.test(` ${c.args} `))).toBe(true);
  });

  test('no secrets: no credential-looking ENV/ARG, no key files copied, .dockerignore keeps them out', () => {
    for (const s of stages) {
      for (const i of s.instructions.filter((x) => x.op === 'ENV' || x.op === 'ARG')) expect(i.args).not.toMatch(/(PASSWORD|TOKEN|SECRET|API_KEY|PRIVATE)/i);
      for (const c of all(s, 'COPY')) expect(c.args).not.toMatch(/\.(pem|key)\b|id_rsa|kubeconfig|\.env\b/);
    }
    expect(text).not.toMatch(/--mount=type=secret|AWS_|GITHUB_TOKEN/);
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['.git', 'node_modules', '.env', '**/*.pem', '**/*.key', '**/*.test.ts']) expect(ignore).toContain(p);
  });

  test('every folder the operator and CLI import at run time is copied into the image', () => {
    const copied = new Set(all(final, 'COPY').filter((c) => !c.args.startsWith('--from')).flatMap((c) => c.args.replace(/--chown=\S+/, '').trim().split(' ').slice(0, -1)));
    const needed = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      needed.add(relative(ROOT, file).split('/')[0] as string);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
        const spec = (m[1] ?? m[2]) as string;
        const target = resolve(dirname(file), spec);
        if (existsSync(target) && /\.(ts|js)$/.test(target)) visit(target);
      }
    };
    visit(join(ROOT, 'bin/syncspec.js'));
    for (const dir of needed) expect(copied, `folder ${dir}/ is imported at run time`).toContain(dir);
    expect(needed.has('operator')).toBe(true);
  });
});
