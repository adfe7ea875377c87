/**
 * From compiled documents of one Git revision to the objects a SpecSource applies: each SyncSpec,
 * Connection, LookupTable and EntitySchema document becomes the same object in the SpecSource's
 * namespace, labelled `syncspec.dev/source=<source>`, annotated with the commit and owned (controller)
 * by the SpecSource. SpecSource documents in the repository are not applied (a source does not spawn
 * sources). A document that names another namespace is refused: owner references cannot cross namespaces.
 */
import type { LoadedDocument } from '../../compiler/model.ts';
import type { KubeObject, ResourceKind } from '../k8s/resources.ts';
import { KINDS } from '../k8s/resources.ts';
import { REVISION_ANNOTATION } from '../syncspec/desired.ts';

export const SOURCE_LABEL = 'syncspec.dev/source';
export { REVISION_ANNOTATION };

export const SPEC_SOURCE: ResourceKind = { group: 'syncspec.dev', version: 'v1', kind: 'SpecSource', plural: 'specsources' };

/** The kinds a SpecSource applies and prunes, in apply order (what specs refer to first). */
export const SOURCED_KINDS: readonly ResourceKind[] = [KINDS.Connection, KINDS.LookupTable, KINDS.EntitySchema, KINDS.SyncSpec];

export interface SourceOwner {
  name: string;
  namespace: string;
  uid: string;
}

export interface DesiredDocument {
  kind: ResourceKind;
  object: KubeObject;
  /** `file:line:col` of the document, for messages. */
  at: string;
}

export interface RenderProblem {
  code: 'SS6032';
  message: string;
}

export function renderDocuments(documents: readonly LoadedDocument[], owner: SourceOwner, commit: string): { desired: DesiredDocument[]; problems: RenderProblem[] } {
  const desired: DesiredDocument[] = [];
  const problems: RenderProblem[] = [];
  const seen = new Set<string>();
  for (const doc of documents) {
    const kind = SOURCED_KINDS.find((k) => k.kind === doc.kind);
    if (!kind || doc.name === undefined) continue;
    const value = doc.value as { metadata?: { namespace?: unknown; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
    const r = doc.locate(['metadata', 'name']);
    const at = `${r.file}:${r.start.line}:${r.start.col}`;
    const ns = value.metadata?.namespace;
    if (typeof ns === 'string' && ns !== owner.namespace) {
      const nsAt = doc.locate(['metadata', 'namespace']);
      problems.push({ code: 'SS6032', message: `${nsAt.file}:${nsAt.start.line}:${nsAt.start.col} ${doc.kind} ${doc.name} names namespace "${ns}", but SpecSource ${owner.name} applies into "${owner.namespace}" (remove metadata.namespace)` });
      continue;
    }
    const id = `${kind.kind}/${doc.name}`;
    // The compiler reports duplicate names; this guard only keeps the apply list free of them.
    if (seen.has(id)) continue;
    seen.add(id);
    desired.push({
      kind, at,
      object: {
        apiVersion: 'syncspec.dev/v1',
        kind: kind.kind,
        metadata: {
          name: doc.name,
          namespace: owner.namespace,
          labels: { ...(value.metadata?.labels ?? {}), [SOURCE_LABEL]: owner.name },
          annotations: { ...(value.metadata?.annotations ?? {}), [REVISION_ANNOTATION]: commit },
          ownerReferences: [{ apiVersion: 'syncspec.dev/v1', kind: 'SpecSource', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: value.spec ?? {},
      },
    });
  }
  return { desired, problems };
}

/** Whether `obj` belongs to the SpecSource `owner` (label and controller owner reference agree). */
export function ownedBy(obj: KubeObject, owner: SourceOwner): boolean {
  return obj.metadata.labels?.[SOURCE_LABEL] === owner.name
    && (obj.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.kind === 'SpecSource' && r.uid === owner.uid);
}
