import type { CodeInfo } from './types.ts';

/** SS1xxx — load diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const loadCodes = {
  SS1001: {
    title: 'YAML syntax error',
    explanation:
      'The file is not well-formed YAML, so nothing in it can be checked. The diagnostic points at the first ' +
      'character the YAML parser could not accept (an unclosed bracket or quote, a key where a value was expected, ' +
      'a mapping value on the same line as another key). Fix the syntax there and run validate again; later ' +
      'documents of the same file are still checked.',
  },
  SS1002: {
    title: 'Tab used for indentation',
    explanation:
      'YAML forbids tab characters in indentation: structure is expressed with spaces only. Editors that insert ' +
      'tabs produce files that some tools read and others reject. Replace the tabs at the start of the line with ' +
      'spaces (two per level is the convention in syncspec repositories).',
  },
  SS1003: {
    title: 'Duplicate key',
    explanation:
      'The same key appears twice in one mapping. YAML requires keys to be unique, and tools disagree about which ' +
      'value wins, so a duplicate usually hides an edit that went to the wrong place. The diagnostic points at the ' +
      'second occurrence; remove one of them or merge their values.',
  },
  SS1004: {
    title: 'Alias expansion limit exceeded',
    explanation:
      'Anchors (&name) and aliases (*name) are allowed, but expanding them would create more nodes than syncspec ' +
      'accepts. Nested aliases grow exponentially (the "billion laughs" pattern), so the loader counts the nodes ' +
      'the expansion would create and stops at a fixed limit instead of exhausting memory. Write the repeated ' +
      'content out, or use fewer levels of aliases.',
  },
  SS1005: {
    title: 'File too large',
    explanation:
      'The file is larger than the size limit for one spec file. Specs are small, hand-written documents; a file ' +
      'this large is almost certainly generated data or something that was not meant to be in the spec ' +
      'repository, and reading it would slow every validation. Split it into several files or move the data out.',
  },
  SS1006: {
    title: 'Not UTF-8 text',
    explanation:
      'The file is binary or is not encoded as UTF-8 (it contains NUL bytes, byte sequences that are not valid ' +
      'UTF-8, or a UTF-16/UTF-32 byte-order mark). Spec files must be UTF-8, with or without a byte-order mark. ' +
      'Re-save the file as UTF-8 in your editor, or remove it from the spec directory if it is not a spec.',
  },
  SS1007: {
    title: 'Document is not a mapping',
    explanation:
      'Every document in a spec file must be a mapping with apiVersion, kind, metadata and spec, like a ' +
      'Kubernetes object. This document is a plain value or a list (often a sign that the file is not a spec at ' +
      'all, or that its indentation is broken). Start the document with "apiVersion: syncspec.dev/v1" and "kind:".',
  },
  SS1008: {
    title: 'Unknown kind',
    explanation:
      'The document\'s kind is not one syncspec knows. The known kinds are SyncSpec, Connection, LookupTable, ' +
      'EntitySchema and SpecSource; kinds are case-sensitive. Correct the spelling, or move documents of other ' +
      'tools (for example plain Kubernetes manifests) out of the spec directory.',
  },
  SS1009: {
    title: 'Unsupported apiVersion',
    explanation:
      'The document\'s apiVersion is not one this version of syncspec reads. Spec documents use ' +
      '"apiVersion: syncspec.dev/v1". A different group or version usually means a copy-paste from another ' +
      'tool\'s manifest or a spec written for a newer syncspec.',
  },
  SS1010: {
    title: 'Missing kind or apiVersion',
    explanation:
      'A spec document must say what it is: both "apiVersion" and "kind" must be present as strings at the top ' +
      'level of the document. Without them the document cannot be checked against a schema. Add the missing line ' +
      '(for example "kind: SyncSpec").',
  },
  SS1011: {
    title: 'Unresolved alias',
    explanation:
      'An alias (*name) refers to an anchor (&name) that is not defined before it in the same document. Anchors ' +
      'are local to one YAML document and must come before their first use. Define the anchor earlier or write ' +
      'the value out.',
  },
  SS1012: {
    title: 'Empty document',
    explanation:
      'The file, or one document in it (between "---" separators), has no content. It is ignored; this warning ' +
      'exists because an empty document is often a stray separator or a file whose content was lost. Delete the ' +
      'empty document or the file.',
  },
  SS1013: {
    title: 'YAML warning',
    explanation:
      'The YAML parser accepted the document but found something questionable, such as an unknown tag (!!binary, ' +
      '!custom) that syncspec reads as a plain string, or a directive it ignores. Spec files should use only ' +
      'plain YAML: mappings, lists, strings, numbers, booleans and null.',
  },
  SS1014: {
    title: 'Cannot read path',
    explanation:
      'A path given to the command does not exist or cannot be read (missing file, no permission, a special ' +
      'file). This is an input/output problem, not a problem in a spec, so the command exits with code 2. Check ' +
      'the path and the current directory.',
  },
  SS1015: {
    title: 'Internal error',
    explanation:
      'syncspec itself failed while processing this file; the input may be unusual, but a crash is always a bug ' +
      'in syncspec, never in your spec. The other files were still checked. The summary names the phase that ' +
      'failed; please report it with the file that triggers it.',
  },
  SS1016: {
    title: 'No spec files found',
    explanation:
      'A directory given to the command holds no *.yaml or *.yml files (folders starting with a dot and ' +
      'node_modules are skipped). Nothing was checked there, which usually means the wrong directory was ' +
      'given; run the command on the folder that holds the specs, for example `syncspec validate specs/`.',
  },
} satisfies Record<`SS1${string}`, CodeInfo>;
