/** SS3001: names are unique per kind (and namespace) across the whole repo. */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../model.ts';
import type { Repo } from './repo.ts';
import { isObj, str } from './repo.ts';

export function checkUniqueNames(repo: Repo): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Positions are computed only for duplicates: locating a node builds the file's full YAML model, which the
  // loader otherwise skips for clean files.
  const first = new Map<string, LoadedDocument>();
  for (const doc of repo.docs) {
    if (doc.name === undefined) continue;
    const metadata = isObj(doc.value) && isObj(doc.value.metadata) ? doc.value.metadata : {};
    const namespace = str(metadata.namespace);
    const id = `${doc.kind}\0${namespace ?? ''}\0${doc.name}`;
    const seen = first.get(id);
    if (!seen) {
      first.set(id, doc);
      continue;
    }
    const range = doc.locate(['metadata', 'name']);
    const line = seen.locate(['metadata', 'name']).start.line;
    const where = seen.file === doc.file ? `line ${line} of this file` : `${seen.file}:${line}`;
    out.push({
      code: 'SS3001',
      severity: 'error',
      summary: `Duplicate ${doc.kind} name "${doc.name}" (first defined at ${where})`,
      detail: `Another ${doc.kind} in ${seen.file} already uses this name${namespace ? ` in namespace ${namespace}` : ''}; references by name would be ambiguous and the operator would apply only one of them. Rename one.`,
      range,
    });
  }
  return out;
}
