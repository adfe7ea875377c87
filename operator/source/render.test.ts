import { describe, expect, test } from 'vitest';
import { runPipelineOnSources } from '../../compiler/pipeline.ts';
import { ownedBy, renderDocuments } from './render.ts';

const owner = { name: 'specs', namespace: 'team-a', uid: 'uid-1' };
const COMMIT = 'a'.repeat(40);

function docs(text: string) {
  return runPipelineOnSources([{ file: 'specs/x.yaml', content: text }]).documents;
}

const LOOKUP = (extra = '') => `apiVersion: syncspec.dev/v1
kind: LookupTable
metadata:
  name: units
  labels: { team: o2c }${extra}
spec:
  entries: { PCS: Pcs }
`;

describe('renderDocuments', () => {
  test('a document becomes an owned, labelled, annotated object in the source namespace', () => {
    const { desired, problems } = renderDocuments(docs(LOOKUP()), owner, COMMIT);
    expect(problems).toEqual([]);
    expect(desired).toHaveLength(1);
    expect(desired[0]?.at).toBe('specs/x.yaml:4:9');
    expect(desired[0]?.object).toEqual({
      apiVersion: 'syncspec.dev/v1', kind: 'LookupTable',
      metadata: {
        name: 'units', namespace: 'team-a',
        labels: { team: 'o2c', 'syncspec.dev/source': 'specs' },
        annotations: { 'syncspec.dev/revision': COMMIT },
        ownerReferences: [{ apiVersion: 'syncspec.dev/v1', kind: 'SpecSource', name: 'specs', uid: 'uid-1', controller: true, blockOwnerDeletion: true }],
      },
      spec: { entries: { PCS: 'Pcs' } },
    });
    expect(ownedBy(desired[0]!.object, owner)).toBe(true);
    expect(ownedBy(desired[0]!.object, { ...owner, uid: 'other' })).toBe(false);
  });

  test('another namespace is refused with its position; the same namespace is fine', () => {
    const other = renderDocuments(docs(LOOKUP('\n  namespace: team-b')), owner, COMMIT);
    expect(other.desired).toEqual([]);
    expect(other.problems).toEqual([{ code: 'SS6032', message: expect.stringMatching(/^specs\/x\.yaml:6:14 LookupTable units names namespace "team-b"/) }]);
    expect(renderDocuments(docs(LOOKUP('\n  namespace: team-a')), owner, COMMIT).desired).toHaveLength(1);
  });

  test('SpecSource documents in the repository are not applied', () => {
    const text = `apiVersion: syncspec.dev/v1\nkind: SpecSource\nmetadata: { name: nested }\nspec: { url: https://git.example.com/x.git }\n`;
    expect(renderDocuments(docs(text), owner, COMMIT)).toEqual({ desired: [], problems: [] });
  });
});
