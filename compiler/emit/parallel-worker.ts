/**
 * Worker of `generateParallel`: loads the connections, lookups, entity schemas and its own share of the
 * specs from the texts it is given, sees every other spec through its body (for ref()), and compiles,
 * plans and emits its share. Everything it returns is plain data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildCatalogs } from '../catalog/load.ts';
import { compileExpression } from '../cel/index.ts';
import { loadText } from '../load/index.ts';
import { mappingRepo } from '../mapping/repo.ts';
import type { SyncSpecBody } from '../model.ts';
import { generateSpecs, type SpecsOutput } from './generate.ts';

export interface WorkerInput {
  /** Every file without a SyncSpec, plus the files of this worker's specs. */
  sources: { file: string; content: string }[];
  names: string[];
  /** Every SyncSpec's body by name, as plain data: ref() reads the other specs' source key types. */
  specBodies: [string, SyncSpecBody][];
}

const input = workerData as WorkerInput;
const docs = input.sources.flatMap((s) => loadText(s.file, s.content).documents);
const catalogs = buildCatalogs(docs);
const repo = { ...mappingRepo(docs, (system) => catalogs.catalogFor(system), compileExpression), specs: new Map(input.specBodies) };
const { compiled: _compiled, ...output } = generateSpecs(docs, repo, new Set(input.names));
void _compiled;
parentPort?.postMessage(output satisfies SpecsOutput);
