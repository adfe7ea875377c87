/** Types of a consistency reconciliation run (数据一致性校验): both sides read by business key and compared. */

/** One side's record after normalisation: its business key and its comparable field values. */
export interface ComparableRecord {
  key: string;
  /** Source or target system id, for the report and for repair. */
  id: string;
  /** Normalised field values, keyed by target field path; canonical JSON-able values only. */
  fields: Record<string, unknown>;
}

export interface FieldDifference {
  field: string;
  source: unknown;
  target: unknown;
}

export type Difference =
  | { kind: 'missing'; key: string; sourceId: string }
  | { kind: 'extra'; key: string; targetId: string }
  | { kind: 'different'; key: string; sourceId: string; targetId: string; fields: FieldDifference[] }
  | { kind: 'unmappable'; sourceId: string; errors: { path: string; message: string; at: string }[] };

export interface ReconcileCounts {
  source: number;
  target: number;
  /** Source records the spec's filter drops: not expected in the target. */
  filtered: number;
  equal: number;
  missing: number;
  extra: number;
  different: number;
  unmappable: number;
}

export interface ReconcileSummary {
  spec: string;
  counts: ReconcileCounts;
  /** Mismatches per target field, sorted by field. */
  fieldMismatches: Record<string, number>;
  /** Differences listed in the report (all of them unless capped by `maxListed`). */
  listed: number;
  truncated: boolean;
}

/** Figures of the run itself: kept apart from the summary so reports of equal data are equal byte for byte. */
export interface ReconcileRunStats {
  durationMs: number;
  peakRssBytes: number;
  /** Partitions spilled to disk because the in-memory budget was exceeded. */
  spilledPartitions: number;
}
