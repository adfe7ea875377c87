/**
 * SS3014 a trigger the source system cannot offer; SS3022/SS3023 poll cursors; SS3024 webhook events the
 * vendor does not push. What a system offers comes from `connectors/<system>/capabilities.json`.
 */
import { capabilitiesFor, TRIGGER_KINDS, type Capabilities, type TriggerKind } from '../catalog/load.ts';
import { closest } from '../diagnostics/did-you-mean.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { isObj, str, systemOf, type Repo } from './repo.ts';

/** `capabilities` is the connectors' data by default; tests pass their own to cover vendor variations. */
export function checkTriggers(repo: Repo, capabilities: (system: string) => Capabilities | undefined = capabilitiesFor): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const spec of repo.syncSpecs) {
    const source = isObj(spec.body.source) ? spec.body.source : undefined;
    const system = systemOf(repo, source?.connection);
    if (system === undefined) continue; // an unknown connection is reported by the endpoint check
    const caps = capabilities(system);
    const entityName = str(source?.entity);
    const entity = entityName === undefined ? undefined : repo.catalogs.catalogFor(system)?.entities[entityName];
    const triggers = Array.isArray(spec.body.triggers) ? spec.body.triggers : [];
    for (const [i, trigger] of triggers.entries()) {
      if (!isObj(trigger)) continue;
      const kind = TRIGGER_KINDS.find((k) => k in trigger);
      if (kind === undefined) continue;
      const path = ['spec', 'triggers', i, kind];
      if (caps && !caps.triggers.includes(kind)) {
        const alternative: TriggerKind | undefined = kind === 'webhook' && caps.triggers.includes('poll') ? 'poll' : caps.triggers[0];
        out.push({
          code: 'SS3014',
          severity: 'error',
          summary: `${system} cannot offer a ${kind} trigger${alternative ? `; use ${alternative}` : ''}`,
          detail: `${caps.notes ?? ''} Triggers ${system} offers: ${caps.triggers.join(', ')}.`.trim(),
          range: spec.doc.locate(path, 'key'),
          ...(alternative ? { suggestion: alternative } : {}),
        });
        continue;
      }
      const body = isObj(trigger[kind]) ? trigger[kind] : undefined;
      if (kind === 'webhook' && caps?.webhookEvents && Array.isArray(body?.events)) {
        for (const [j, event] of body.events.entries()) {
          if (typeof event === 'string' && !(caps.webhookEvents as string[]).includes(event)) {
            out.push({
              code: 'SS3024',
              severity: 'error',
              summary: `${system} does not push "${event}" events`,
              detail: `Its ${caps.pushMechanism ?? 'push mechanism'} delivers: ${caps.webhookEvents.join(', ')}.`,
              range: spec.doc.locate([...path, 'events', j]),
            });
          }
        }
      }
      if (kind === 'poll' && entity && entityName !== undefined) {
        const cursor = str(body?.cursor);
        if (cursor !== undefined) {
          const field = entity.fields[cursor];
          if (!field || (field.type !== 'datetime' && field.type !== 'date')) {
            const candidates = Object.entries(entity.fields).filter(([, f]) => f.type === 'datetime' || f.type === 'date').map(([n]) => n);
            const suggestion = entity.cursor ?? closest(cursor, candidates);
            out.push({
              code: 'SS3022',
              severity: 'error',
              summary: field ? `Poll cursor "${cursor}" is a ${field.type} field, not a date or datetime` : `Poll cursor "${cursor}" is not a field of ${system} ${entityName}`,
              detail: suggestion ? `The catalog's cursor for ${entityName} is "${suggestion}".` : `${entityName} has no date or datetime field to poll on.`,
              range: spec.doc.locate([...path, 'cursor']),
              ...(suggestion ? { suggestion } : {}),
            });
          }
        } else if (entity.cursor === undefined) {
          out.push({
            code: 'SS3023',
            severity: 'error',
            summary: `${system} ${entityName} has no change-date field to poll on`,
            detail: `Replace the poll trigger with a schedule trigger (mode: reconcile) that snapshots ${entityName}.${entity.description ? ` Catalog: ${entity.description}` : ''}`,
            range: spec.doc.locate(path, 'key'),
            suggestion: 'schedule',
          });
        }
      }
    }
  }
  return out;
}
