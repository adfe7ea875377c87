import type { CodeInfo } from './types.ts';

/** SS31xx — cel diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const celCodes = {
  SS3101: {
    title: 'CEL syntax error',
    explanation:
      'The expression does not parse as CEL. The range points at the first character the parser could not accept. Check quotes (CEL strings use single or double quotes), balanced parentheses and brackets, and that operators are written as in CEL (`&&`, `||`, `!`, `==`).',
  },
  SS3102: {
    title: 'Unknown variable',
    explanation:
      'An identifier is neither a variable in scope nor a type name. Mapping expressions see `source` (the source record) and, inside an `each:` block, `item` (the current child record); macro variables such as `x` in `list.map(x, …)` are visible only inside the macro.',
  },
  SS3103: {
    title: 'Unknown field',
    explanation:
      'The field does not exist on the entity, according to the connector catalog plus any EntitySchema files. Field names are case-sensitive and exactly as the system spells them (`AccountId`, `FNumber`, `_widget_1690000000001`). The closest existing name is suggested; if the field is a custom field, declare it in an EntitySchema.',
  },
  SS3104: {
    title: 'Unknown function',
    explanation:
      'No function or method of that name exists in syncspec’s CEL library. The reference pages (`syncspec docs`, docs/reference/cel/) list every function with its signatures. `now()` does not exist on purpose: a transform is a pure function of its input.',
  },
  SS3105: {
    title: 'No matching overload',
    explanation:
      'The function or operator exists, but not for the argument types given. The message names the argument types and the detail lists the signatures that do exist. Convert an argument explicitly (`int(…)`, `string(…)`, `decimal(…)`, `date(…)`) so one of them applies.',
  },
  SS3106: {
    title: 'Wrong operand type',
    explanation:
      'An operand has a type the construct cannot use: a condition that is not bool, a field selected from a value that has no fields, a macro over something that is not a list or map. The message names the type found.',
  },
  SS3107: {
    title: 'Result type does not fit the target field',
    explanation:
      'The expression yields a type the target field cannot hold, for example text into a decimal field. syncspec does not convert implicitly where data could be lost or misread; convert explicitly (`decimal(source.Amount__c)`, `int(…)`, `date(…, zone)`, `string(…)`) so the conversion and its failure mode are visible in the spec. int and double convert to decimal implicitly (exactly).',
  },
  SS3108: {
    title: 'Nullable value into a required field',
    explanation:
      'The expression may be null (a nullable source field, a lookup without a default, a ref that may not be synced yet) but the target field is required when a record is created. Give a fallback with `.orValue(…)` or `coalesce(…)`, or write the mapping as `{ expr: …, default: … }`.',
  },
  SS3109: {
    title: 'Text longer than the target field',
    explanation:
      'The text is known at compile time (a literal, or `substring(a, b)` with literal bounds) and has more characters than the target field’s maximum length, so every record would fail. Shorten it, e.g. with `.truncate(n)`. When the length is only known at run time, the generated code checks it and reports the field.',
  },
  SS3110: {
    title: 'Value not allowed by the target enum',
    explanation: 'A literal value is written into an enum (picklist) field that does not list it. Use one of the values the catalog lists, or map the source value through a LookupTable.',
  },
  SS3111: {
    title: 'Unknown lookup table',
    explanation: 'The first argument of `lookup()` must be the literal name of a LookupTable in the repository. The closest name is suggested; add the LookupTable file if it is new.',
  },
  SS3112: {
    title: 'Lookup key type mismatch',
    explanation: 'The key passed to `lookup()` has a different type from the table’s keys (for example an int key into a table keyed by text). Convert the key with `string(…)` or `int(…)`, or change the table’s keyType.',
  },
  SS3113: {
    title: 'Unknown spec in ref()',
    explanation: 'The first argument of `ref()` must be the literal name of another SyncSpec whose id crosswalk holds the target id. The closest name is suggested.',
  },
  SS3114: {
    title: 'ref() id type mismatch',
    explanation: 'The id passed to `ref()` must have the type of the referenced spec’s source key, because the crosswalk is keyed by it. Convert the id or reference the spec that is keyed by this value.',
  },
  SS3115: {
    title: 'Argument must be a literal',
    explanation: 'Some arguments are resolved at compile time and must be written as literals: the table name of `lookup()`, the spec name of `ref()`, the rounding mode of `round()`. This lets syncspec check them and keeps the dependency graph between specs static.',
  },
  SS3116: {
    title: 'Unknown time zone',
    explanation: 'A time-zone argument is not an IANA zone name (such as `Asia/Shanghai`, `Europe/Berlin`, `UTC`) or a fixed offset (`+08:00`).',
  },
  SS3117: {
    title: 'Unknown rounding mode',
    explanation: 'The rounding mode of `round(n, mode)` must be one of half-up (四舍五入, the default), half-even (banker’s rounding), half-down, down (toward zero), up (away from zero), floor or ceiling.',
  },
  SS3118: {
    title: 'Invalid literal argument',
    explanation: 'A literal argument cannot work at run time: an invalid regular expression for `matches()`, or a number of decimal places outside 0–1000 for `round()`.',
  },
  SS3119: {
    title: 'Unsupported CEL construct',
    explanation:
      'The expression uses a CEL feature syncspec does not compile: protobuf message literals (records come from the catalog, not from messages), optional field selection `a.?b` and `[?i]` (the parser in use does not support them; use `has()` and `.orValue()`), or a comprehension that is not one of the standard macros.',
  },
  SS3120: {
    title: 'Lookup key not in the table',
    explanation: 'A literal key is not among the keys of the LookupTable and the table has no default, so the lookup would always be null. Fix the key (the closest key is suggested) or add it to the table.',
  },
  SS3121: {
    title: 'now() is not available',
    explanation:
      'Mapping expressions have no clock: a transform is a pure function of its input, so `syncspec test` examples and dead-letter replays give the same result every time. Use a timestamp from the source record (e.g. `source.SystemModstamp`).',
  },
} satisfies Record<`SS31${string}`, CodeInfo>;
