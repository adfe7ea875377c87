import { describe, expect, it } from 'vitest';
import { checkUniqueNames } from './names.ts';
import { indexRepo } from './repo.ts';
import { brief, CONNECTIONS, docsFrom, LOOKUPS } from './testing.ts';

describe('checkUniqueNames', () => {
  it('reports the second occurrence at its metadata.name and names the first file', () => {
    const ds = checkUniqueNames(indexRepo(docsFrom({ 'specs/a.yaml': CONNECTIONS, 'specs/b.yaml': CONNECTIONS.split('---')[1] ?? '' })));
    expect(brief(ds)).toEqual(['SS3001 specs/b.yaml:5:9']);
    expect(ds[0]?.summary).toBe('Duplicate Connection name "kingdee-prod" (first defined at specs/a.yaml:16)');
  });

  it('allows the same name in different kinds and different namespaces', () => {
    const table = LOOKUPS.replace('name: units', 'name: kingdee-prod');
    const namespaced = LOOKUPS.replace('name: units', 'name: units\n  namespace: other');
    expect(checkUniqueNames(indexRepo(docsFrom({ 'specs/a.yaml': CONNECTIONS, 'specs/t.yaml': table, 'specs/u.yaml': LOOKUPS, 'specs/v.yaml': namespaced })))).toEqual([]);
  });

  it('reports duplicates within one file against the earlier line', () => {
    const ds = checkUniqueNames(indexRepo(docsFrom({ 'specs/l.yaml': `${LOOKUPS}---\n${LOOKUPS}` })));
    expect(brief(ds)).toEqual(['SS3001 specs/l.yaml:11:9']);
    expect(ds[0]?.summary).toContain('first defined at line 4 of this file');
  });
});
