import type { CodeInfo } from './types.ts';

/**
 * SS5xxx — runtime diagnostics. Numbers are never reused; retired ones stay with `retired: true`.
 * SS5100–SS5149: errors raised by compiled CEL expressions (`CelError` in runtime/support/errors.ts),
 * reported per target field by the generated transform.
 */
export const runtimeCodes = {
  SS5101: { title: 'Integer overflow', explanation: 'An int (64-bit signed) or uint (64-bit unsigned) operation left its range. CEL reports this as an error instead of wrapping around; use decimal for large amounts.' },
  SS5102: { title: 'Division by zero', explanation: 'An int, uint or decimal division or modulus had a zero divisor. Guard it with a condition (`b == 0 ? … : a / b`).' },
  SS5103: { title: 'Null value', explanation: 'A nullable value (a nullable field, lookup or ref) was null where an operation needs a value. Give a fallback with `.orValue(…)` or `coalesce(…)`, or test it with `has(…)` first.' },
  SS5104: { title: 'No such field', explanation: 'A field the catalog declares as always present was missing from the record read. Either the data is incomplete or the field should be declared nullable in the catalog or an EntitySchema.' },
  SS5105: { title: 'No matching overload at run time', explanation: 'A dynamically typed value (`dyn`, a map value) had a type no overload accepts, e.g. adding a string to an int. Convert it explicitly.' },
  SS5106: { title: 'Conversion failed', explanation: 'A value could not be converted: text that is not a number for `int()`/`decimal()`, invalid UTF-8 for `string(bytes)`, or a field value of the wrong JSON type for its catalog type.' },
  SS5107: { title: 'Value out of range', explanation: 'A conversion or timestamp/duration result is outside its range (int64, uint64, 0001-01-01 to 9999-12-31, ±10000 years), or an integer does not fit the target field.' },
  SS5108: { title: 'Index out of range', explanation: 'A list index, `charAt`, `substring` or `indexOf` position is outside the value. `substring(0, n)` needs at least n characters; `truncate(n)` does not.' },
  SS5109: { title: 'No such key', explanation: 'A map has no entry for the key, or `.value()` was called on an empty optional. Use `has(m.key)`, `key in m`, or `.orValue(…)`.' },
  SS5110: { title: 'Text too long for the target field', explanation: 'The text has more characters than the target field’s maximum length. Shorten it in the mapping, e.g. with `.truncate(n)`.' },
  SS5111: { title: 'Value not in the target enum', explanation: 'The value is not one of the target field’s allowed values. Map source values to target values with a LookupTable.' },
  SS5112: { title: 'Too many decimal places for the target field', explanation: 'A decimal has more digits after the point than the target field’s scale. syncspec does not round silently; round explicitly with `.round(n)` (half-up) or `.round(n, "half-even")`.' },
  SS5113: {
    title: 'Lookup failed',
    explanation: 'Reserved for a lookup without a value where one is required; retired before first use because a nullable lookup into a required field is rejected at compile time (SS3108).',
    retired: true,
  },
  SS5114: { title: 'Invalid regular expression', explanation: 'The pattern given to `matches()` at run time is not a valid regular expression.' },
  SS5115: { title: 'Unknown time zone', explanation: 'A time-zone value computed at run time is not an IANA zone name or a fixed offset.' },
  SS5116: { title: 'Invalid date or time text', explanation: 'Text read as a date or date-time is neither ISO-8601 (`2026-03-01`, `2026-03-01T08:00:00`, with or without offset) nor SAP `/Date(ms)/`, or it names a day that does not exist.' },
  SS5117: { title: 'Invalid argument', explanation: 'A function received an argument it cannot use at run time, such as a negative length for `truncate()`, a rounding mode that does not exist, or an unsupported map key type.' },
} satisfies Record<`SS5${string}`, CodeInfo>;
