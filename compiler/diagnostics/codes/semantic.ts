import type { CodeInfo } from './types.ts';

/** SS30xx — semantic diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const semanticCodes = {
  SS3001: {
    title: 'Duplicate name',
    explanation:
      'Every object is identified by its kind and `metadata.name` across the whole repository: specs refer to connections, lookup tables and other specs by name, and the operator applies each as one Kubernetes object. Two objects of the same kind with the same name would silently replace each other. The diagnostic points at the second occurrence and names the file of the first; rename one of them.',
  },
  SS3002: {
    title: 'Unknown connection',
    explanation:
      'A SyncSpec `source.connection`, `target.connection` or a queue trigger\'s `connection` must name a `Connection` object in the repository. Check the spelling against the Connection files (the suggestion lists the closest name), or add the missing Connection.',
  },
  SS3003: {
    title: 'Unknown lookup table',
    explanation:
      'The first argument of `lookup(table, key)` must be the `metadata.name` of a `LookupTable` in the repository, written as a string literal so the compiler can check it. Fix the spelling or add the table.',
  },
  SS3004: {
    title: 'Lookup key not in table',
    explanation:
      'When the key passed to `lookup(table, key)` is a literal, the compiler checks it against the table\'s `entries`. A key that is missing would fail every record at run time (or silently fall back to the table\'s `default`, which is reported as a warning). Add the entry or fix the key.',
  },
  SS3005: {
    title: 'Unknown spec in ref()',
    explanation:
      '`ref(spec, id)` reads the id crosswalk another SyncSpec maintains (source id → target id), so its first argument must be the `metadata.name` of a SyncSpec in the repository, as a string literal. Fix the spelling or add the spec.',
  },
  SS3006: {
    title: 'Unknown entity',
    explanation:
      '`source.entity` and `target.entity` must name an entity of the connection\'s system catalog (`connectors/<system>/catalog.json`) or a custom object declared by an `EntitySchema`. Entity names are the vendor\'s API names: Salesforce sObjects (`Account`), Kingdee form ids (`BD_Customer`), SAP entity types (`A_SalesOrder`).',
  },
  SS3007: {
    title: 'Key is not a field of the entity',
    explanation:
      '`source.key` and `target.key` name the business key that pairs records across the two systems (upsert, crosswalk, reconcile). It must be a field of the entity as the catalog (plus EntitySchemas) defines it. For a custom external-id field, declare it in an EntitySchema first.',
  },
  SS3008: {
    title: 'Invalid cron expression',
    explanation:
      'A `schedule` trigger takes a 5-field cron expression (minute hour day-of-month month day-of-week; a 6th leading seconds field is accepted). The diagnostic names the field that does not parse and its position in the expression. Ranges: minute 0-59, hour 0-23, day 1-31, month 1-12 or JAN-DEC, weekday 0-7 or SUN-SAT.',
  },
  SS3009: {
    title: 'Unknown time zone',
    explanation:
      'Time zones — in a schedule trigger, a Connection\'s `timezone` and the literal zone argument of `date()`/`datetime()` — are IANA names such as `Asia/Shanghai` or `Europe/Berlin` (or `UTC`). Abbreviations like `CST` are ambiguous (China, US Central, Cuba) and are not accepted. The suggestion is the closest valid name.',
  },
  SS3010: {
    title: 'Invalid duration',
    explanation:
      'Durations are a number followed by a unit, optionally repeated: `500ms`, `30s`, `5m`, `1h30m`, `2d`. Units are ms, s, m, h and d. Zero and negative durations are not accepted where a wait or an interval is meant.',
  },
  SS3011: {
    title: 'Duration out of range',
    explanation:
      'Some durations only make sense relative to others or within bounds: a poll `overlap` must be shorter than its `every` (or every poll re-reads everything), a poll interval must be at least 1s, retry `initial` must not exceed `max`, and a batch `maxWait` above 1h holds records far longer than any SLA allows.',
  },
  SS3012: {
    title: 'Invalid percentage',
    explanation:
      'Percentages such as `sla.errorRate` are written as a number followed by `%` (`0.5%`), between 0% and 100%.',
  },
  SS3013: {
    title: 'Version is not semver',
    explanation:
      '`spec.version` is the semantic version of the spec\'s contract (MAJOR.MINOR.PATCH, e.g. `2.1.0`, optionally with a pre-release such as `2.1.0-rc.1`). `syncspec plan --base` uses it to demand a major bump for breaking changes, so it must parse.',
  },
  SS3014: {
    title: 'Trigger not offered by the source system',
    explanation:
      'Each connector declares which trigger kinds its system can offer (`connectors/<system>/capabilities.json`). Kingdee K3Cloud, Yonyou U8 and SAP S/4HANA have no outbound webhooks in their standard APIs, so a `webhook` trigger on them would never fire; use `poll` on the entity\'s change-date cursor (and a `schedule` reconcile for deletions).',
  },
  SS3015: {
    title: 'Literal secret in a spec',
    explanation:
      'Credentials appear in specs only as references: `{ env: NAME }`, `{ file: /path }` or `{ secretKeyRef: { name, key } }`. A literal password, token, client secret or API key in a file that lives in Git leaks to everyone with read access and into CI logs. Move the value into a Kubernetes Secret or an environment variable and rotate it. The diagnostic never repeats the value.',
  },
  SS3016: {
    title: 'CEL syntax error',
    explanation:
      'Filters, field mappings and `each` collections are CEL expressions. This one does not parse; the range points at the offending character inside the expression. Remember that a YAML plain scalar cannot start with `{`, `[`, `!` or `\'`, and that `#` after a space starts a comment: quote such expressions.',
  },
  SS3017: {
    title: 'Example expects an unmapped field',
    explanation:
      'Each key of an example\'s `expect` must be a target field the spec maps in `fields` (child collections by their field name). A key that is not mapped can never appear in the transform\'s output, so the example could not pass; fix the field name or add the mapping.',
  },
  SS3018: {
    title: 'EntitySchema entity not in the catalog',
    explanation:
      'An EntitySchema extends an entity of its system\'s catalog. When the entity is not in the catalog it is taken as a new custom object, which needs its business `keys`; without them the name is most likely misspelt.',
  },
  SS3019: {
    title: 'EntitySchema redefines a field',
    explanation:
      'EntitySchema documents add fields to a catalog entity; they never redefine a field the catalog (or another EntitySchema) already has, because every spec mapping that field would silently change type. Remove the duplicate or give the custom field its own name.',
  },
  SS3020: {
    title: 'EntitySchema key or cursor is not a field',
    explanation:
      'The `keys` and `cursor` an EntitySchema declares must be fields of the entity, either from the catalog or from this document\'s `fields`.',
  },
  SS3021: {
    title: 'EntitySchema field refers to an unknown entity',
    explanation:
      'A `reference`, `record` or `list` field names the entity it points to; that entity must be in the same system\'s catalog or be declared by an EntitySchema.',
  },
  SS3022: {
    title: 'Poll cursor is not a field of the source entity',
    explanation:
      'A `poll` trigger reads records changed since the last cursor value; `cursor` must be a date or datetime field of the source entity (SystemModstamp, FModifyDate, updateTime, Modified_Time, LastChangeDateTime). Leave it out to use the catalog\'s default cursor for the entity.',
  },
  SS3023: {
    title: 'Poll trigger on an entity without a cursor',
    explanation:
      'The source entity has no change-date field (for example Kingdee `STK_Inventory`), so there is nothing to poll incrementally. Use a `schedule` trigger that snapshots and reconciles the entity instead.',
  },
  SS3024: {
    title: 'Webhook event not delivered by the source system',
    explanation:
      'The connector\'s capabilities list the change events the vendor pushes. An event kind outside that list would never arrive; remove it or add a `poll`/`schedule` trigger that catches it.',
  },
  SS3099: {
    title: 'Internal error in a semantic check',
    explanation:
      'One of the semantic checks failed unexpectedly. The other checks still ran and their findings are reported. This is a defect in syncspec, not in the specs: please report it together with the files that trigger it.',
  },
} satisfies Record<`SS30${string}`, CodeInfo>;
