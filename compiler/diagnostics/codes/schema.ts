import type { CodeInfo } from './types.ts';

/** SS2xxx — schema diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const schemaCodes = {
  SS2001: {
    title: 'Unknown property',
    explanation:
      'The property is not part of the schema for this kind at this place. Spec schemas are closed: a misspelt ' +
      'property would otherwise be ignored silently and the setting you meant would not take effect. The ' +
      'diagnostic suggests the closest allowed property that is not already used (for example "trigers" → ' +
      '"triggers"); the JSON Schema in schemas/ lists every allowed property with its description.',
  },
  SS2002: {
    title: 'Missing required property',
    explanation:
      'A property that this kind requires at this place is absent. The diagnostic points at the mapping that ' +
      'should contain it and names the property. Add it; its description in the JSON Schema (also shown by the ' +
      'editor on hover) says what it holds.',
  },
  SS2003: {
    title: 'Wrong type',
    explanation:
      'The value has a different type from the one the schema expects here, for example a list where a mapping ' +
      'is expected or the text "ten" where a number is expected. YAML guesses types from the text: quote a value ' +
      'to make it a string ("00123"), and write numbers and booleans without quotes.',
  },
  SS2004: {
    title: 'Value not allowed',
    explanation:
      'The value is not one of the fixed values the schema allows here (an enumeration such as the delivery mode ' +
      'upsert, create-only, update-only or mirror). Values are case-sensitive. The diagnostic lists the allowed ' +
      'values and suggests the closest one.',
  },
  SS2005: {
    title: 'Value does not match the required pattern',
    explanation:
      'The text does not have the shape the schema requires, for example a name that must be lower-case words ' +
      'joined by hyphens, a duration like "5m" or a semantic version like "2.1.0". The diagnostic names the ' +
      'regular expression and the property description says what it means.',
  },
  SS2006: {
    title: 'Invalid format',
    explanation:
      'The text must be in a standard format (an e-mail address, a URI, a date, ...) and is not. The diagnostic ' +
      'names the format; correct the value to a well-formed one.',
  },
  SS2007: {
    title: 'Number out of range',
    explanation:
      'The number is outside the range the schema allows (a minimum, maximum or a required multiple), for ' +
      'example a batch size of 0 or more retry attempts than syncspec supports. The diagnostic names the limit.',
  },
  SS2008: {
    title: 'Size out of range',
    explanation:
      'A text, list or mapping is shorter or longer than the schema allows, for example an empty list of ' +
      'triggers or a name longer than a Kubernetes object name may be. The diagnostic names the limit.',
  },
  SS2009: {
    title: 'No allowed shape matches',
    explanation:
      'The value can take one of several shapes (a trigger is a webhook, a poll, a schedule or a queue; a field ' +
      'mapping is an expression, an expression with a default, or a child collection), and it matches none of ' +
      'them closely enough to tell which was meant. The diagnostic lists the shapes; when the value clearly ' +
      'aims at one of them, syncspec instead reports that shape\'s own problems.',
  },
  SS2010: {
    title: 'Ambiguous shape',
    explanation:
      'The value matches more than one of the shapes allowed here, so its meaning is ambiguous (for example a ' +
      'trigger with both "webhook" and "poll"). Write one shape per list item.',
  },
  SS2011: {
    title: 'Duplicate list item',
    explanation:
      'The list must not contain the same item twice (for example webhook events). The diagnostic points at the ' +
      'repeated item; remove it.',
  },
  SS2012: {
    title: 'Invalid property name',
    explanation:
      'The mapping allows free-form keys, but this key does not have the required shape (for example target ' +
      'field names must be identifiers). The diagnostic points at the key and names the rule.',
  },
  SS2013: {
    title: 'Schema constraint not met',
    explanation:
      'The value breaks a schema rule that has no more specific code (a "not", "contains" or dependent-schema ' +
      'rule). The diagnostic names the JSON Schema keyword; the schema in schemas/ shows the rule.',
  },
  SS2014: {
    title: 'Schema for kind unavailable',
    explanation:
      'syncspec could not read or compile the JSON Schema for this kind from schemas/<Kind>.schema.json, so the ' +
      'documents of this kind are not schema-checked. This is a problem of the syncspec installation or of a ' +
      'schema being edited, not of the spec; the detail names the file and the reason.',
  },
  SS2015: {
    title: 'Literal secret where a reference is required',
    explanation:
      'This setting holds a credential, and specs hold credentials only as references: `{ env: NAME }` (an ' +
      'environment variable of the worker), `{ file: /path }` (a mounted file) or `{ secretKeyRef: { name, key } }` ' +
      '(a key of a Kubernetes Secret). A literal value in a file that lives in Git leaks to everyone who can read ' +
      'the repository and into CI logs. Move the value into a Secret or an environment variable, reference it, and ' +
      'rotate it. Reports never print the value: the terminal report masks it in the source line.',
  },
} satisfies Record<`SS2${string}`, CodeInfo>;
