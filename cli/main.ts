/**
 * `syncspec` command dispatcher. Each command lives in the module of the layer it belongs to and is
 * loaded lazily, so `syncspec validate` never pays for ts-morph or the worker.
 */
import { EXIT_USAGE, processIO, type CliIO, type CommandRun } from './io.ts';

interface Command {
  summary: string;
  usage: string;
  load: () => Promise<{ run: CommandRun }>;
}

export const commands: Record<string, Command> = {
  validate: {
    summary: 'Check specs: YAML, schema, references, CEL (exit 0 clean, 1 errors, 2 usage)',
    usage: 'syncspec validate [paths…] [--format pretty|json|sarif|github] [--strict]',
    load: () => import('../compiler/cli/validate.ts'),
  },
  generate: {
    summary: 'Compile specs into typed TypeScript under generated/ (--check: fail if generated/ is stale)',
    usage: 'syncspec generate [--check] [--out generated] [--format pretty|json] [--no-typecheck] [--threads N] [paths…]',
    load: () => import('../compiler/cli/generate.ts'),
  },
  test: {
    summary: "Run every spec's examples through the generated transforms, with a field-level diff",
    usage: 'syncspec test [spec…] [--specs specs] [--out generated] [--format pretty|json]',
    load: () => import('../compiler/cli/test.ts'),
  },
  crds: {
    summary: 'Derive the syncspec.dev/v1 CRDs from schemas/ into the chart (--check: fail when stale)',
    usage: 'syncspec crds [--out charts/syncspec/crds] [--schemas schemas] [--check] [--quiet]',
    load: () => import('../operator/cli/crds.ts'),
  },
  operator: {
    summary: 'Run the Kubernetes operator: compile SyncSpecs in the cluster and roll out their workers',
    usage: 'syncspec operator --worker-image <ref> [--kubeconfig f] [--namespace ns…] [--lease-name n] [--metrics-port p]',
    load: () => import('../operator/cli/operator.ts'),
  },
  docs: {
    summary: 'Regenerate the reference docs under docs/reference/ from the schemas (--check: fail if stale)',
    usage: 'syncspec docs [--check] [--root <repo dir>]',
    load: () => import('../compiler/cli/docs.ts'),
  },
  reconcile: {
    summary: 'Compare source and target record by record through the spec; JSON + HTML report; --repair re-queues',
    usage: 'syncspec reconcile <spec> [--repair | --dry-run] [--out reports] [--store …] [--connection name=url] [--json]',
    load: () => import('../runtime/cli/reconcile.ts'),
  },
  explain: {
    summary: 'Explain a diagnostic code, e.g. `syncspec explain SS2001`',
    usage: 'syncspec explain <code>',
    load: () => import('../compiler/cli/explain.ts'),
  },
  dlq: {
    summary: 'Dead-letter queue of a worker store: list, show and replay entries',
    usage: 'syncspec dlq list|show <id>|replay <id…>|replay --spec <s> [--store <file|postgres://…>] [--json]',
    load: () => import('../runtime/cli/dlq.ts'),
  },
  worker: {
    summary: 'Run the worker of compiled spec bundles (the operator\'s Deployment): hooks, metrics, health, drain on SIGTERM',
    usage: 'syncspec worker --generated <dir> [--spec <name>…] [--port 8080] [--host 0.0.0.0] [--store <file|postgres://…>] [--reports <dir>] [--repo specs]',
    load: () => import('../runtime/cli/worker.ts'),
  },
  up: {
    summary: 'Run the workers of a spec repository in this process; recompile and hot-swap on save',
    usage: 'syncspec up [--repo specs] [--spec <name>…] [--store <file|postgres://…>] [--host 127.0.0.1] [--port 8787] [--no-watch]',
    load: () => import('../runtime/cli/up.ts'),
  },
  demo: {
    summary: 'Customers and orders flowing from a Salesforce emulator to a Kingdee emulator, with a summary',
    usage: 'syncspec demo [--records N] [--seed S] [--keep-running] [--dir <work dir>]',
    load: () => import('../runtime/cli/demo.ts'),
  },
  cursor: {
    summary: 'Inspect and move a spec\'s poll cursor; every move is recorded',
    usage: 'syncspec cursor show|set <timestamp[,id]>|reset <spec> [--reason <why>] [--store <file|postgres://…>]',
    load: () => import('../runtime/cli/cursor.ts'),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'syncspec — keep CRM and ERP records in step with versioned, type-checked specs',
    '',
    'Usage: syncspec <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `syncspec <command> --help` for a command\'s options.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(help());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-v') {
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default;
    io.stdout(`${pkg.version}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`syncspec: unknown command "${name}"\n\n${help()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  try {
    const { run } = await command.load();
    return await run(rest, io);
  } catch (err) {
    // Commands report problems as diagnostics; anything reaching here is a bug in syncspec, said in one line.
    io.stderr(`syncspec ${name}: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
}
