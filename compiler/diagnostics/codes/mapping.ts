import type { CodeInfo } from './types.ts';

/** SS32xx — mapping diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const mappingCodes = {
  SS3201: {
    title: 'Unknown target field',
    explanation:
      'A key under `spec.fields` (or under the `fields` of an `each` block) names a field the target entity does ' +
      'not have in its catalog. Target field names are case-sensitive and use the system\'s API names (Kingdee ' +
      '`FNumber`, Salesforce `ERP_Id__c`). Fix the spelling (the diagnostic suggests the closest name), or add the ' +
      'field to the entity with an `EntitySchema` document when it is a custom field.',
  },
  SS3202: {
    title: 'Required target field never mapped',
    explanation:
      'The target entity requires these fields when a record is created (`requiredOnCreate` in the catalog), and ' +
      'the mapping writes none of them, so every create would be rejected by the target system. Map each named ' +
      'field under `spec.fields`, or give it a `{ expr, default }` mapping. Read-only fields are never required.',
  },
  SS3203: {
    title: 'Read-only target field written',
    explanation:
      'The mapping writes a field the target system computes itself (auto-numbers, roll-up totals, audit fields). ' +
      'The target would reject or silently ignore the value. Remove the mapping, or map the value to a writable ' +
      'field instead (for example an external-id custom field).',
  },
  SS3204: {
    title: '`each` does not yield a list',
    explanation:
      'An `each` block iterates over a child collection of the source record; its expression must have a list ' +
      'type such as `source.OrderItems`. Inside the block `item` is one element of that list. Point `each` at a ' +
      '`list` field of the source entity, or wrap a single value as `[value]`.',
  },
  SS3205: {
    title: 'Mapping shape does not fit the target field',
    explanation:
      'A `list` target field (child records such as Kingdee `FSaleOrderEntry`) must be mapped with an `each` block ' +
      'that has its own `fields`; a scalar target field must be mapped with an expression. Use ' +
      '`{ each: <list expression>, fields: { … } }` for child collections and a CEL expression otherwise.',
  },
  SS3206: {
    title: 'Filter is not a boolean expression',
    explanation:
      '`spec.filter` decides whether a source record is synced at all, so it must yield `bool`. A nullable value ' +
      'needs an explicit comparison (`source.Status == \'Activated\'`) or `.orValue(false)`.',
  },
  SS3207: {
    title: 'Default value does not fit the target field',
    explanation:
      'The `default` of an `{ expr, default }` mapping is written as is when the expression yields null, so it must ' +
      'already have the target field\'s type: a string for text, date and enum fields (one of the enum values), ' +
      'a number for integer and decimal fields, true or false for boolean fields. Text must fit the maximum length.',
  },
  SS3208: {
    title: 'Example input names an unknown source field',
    explanation:
      'An `examples[].input` key is not a field of the source entity, so the mapping never reads it. This is ' +
      'usually a typo that makes the example test something other than intended. Fix the name (the diagnostic ' +
      'suggests the closest) or remove the key.',
  },
  SS3209: {
    title: 'Example value has the wrong type',
    explanation:
      'A value in an example\'s `input` (or `expect`) does not have the JSON shape the system uses for that field: ' +
      'text for string, date and datetime fields, a number (or numeric text) for integer, decimal and double ' +
      'fields, true or false for boolean fields, an array of objects for child lists, an object for embedded ' +
      'records, one of the values for enums. Correct the example so it looks like real data.',
  },
  SS3210: {
    title: 'Example expects an unknown target field',
    explanation:
      'An `examples[].expect` or `expectErrors` key names neither a field of the target entity nor a field the ' +
      'mapping writes, so that part of the example can never be compared. Use the target field path as written ' +
      'under `spec.fields` (child rows as `FSaleOrderEntry[0].FQty`).',
  },
  SS3211: {
    title: 'Example has no expectation',
    explanation:
      'An example must say what it expects: `expect` (the transformed record), `expectErrors` (field errors) or ' +
      '`expectFiltered: true`. Without one `syncspec test` could only check that the transform does not crash.',
  },
  SS3212: {
    title: 'Example expects the filter to drop a record but the spec has no filter',
    explanation:
      '`expectFiltered: true` asserts that `spec.filter` rejects the example input, but the spec has no `filter`, ' +
      'so every record is synced. Add the filter or remove `expectFiltered`.',
  },
} satisfies Record<`SS32${string}`, CodeInfo>;
