import type { CodeInfo } from './types.ts';

/**
 * SS5001–SS5089 — the sync worker: triggers, inbox, delivery, operations and the `dlq` / `cursor`
 * commands (runtime/). SS5100–SS5149 belong to the transform support module.
 */
const workerCodes = {
  SS5001: {
    title: 'Webhook signature invalid',
    explanation:
      'A push arrived on /hooks/<spec> whose signature did not verify with the secret configured for the source connection. The worker answered 401 and stored nothing, so the vendor will retry or report the failure. Check that the Connection\'s webhook secret matches the one configured at the vendor and that no proxy rewrites the body.',
  },
  SS5002: {
    title: 'Webhook payload malformed',
    explanation:
      'A push verified but its body could not be decoded into records (not JSON / SOAP, or a record without an id or version). The worker answered 400 and stored nothing. The log line names the spec and what was missing; fix the sender or the connector mapping of the payload.',
  },
  SS5003: {
    title: 'Webhook delivery replayed',
    explanation:
      'A push carried a delivery id the worker has already stored. It is acknowledged (2xx) so the vendor stops resending, but nothing is stored again. This is informational: vendors redeliver when an acknowledgement is lost.',
  },
  SS5004: {
    title: 'No webhook route for this spec',
    explanation:
      'A request reached /hooks/<name> for a spec this worker does not run, or whose triggers have no webhook. The worker answered 404. Check the URL configured at the vendor against the spec names the worker loaded.',
  },
  SS5005: {
    title: 'Webhook body too large',
    explanation:
      'A push body exceeded the worker\'s limit and was refused with 413 before it was read completely. Raise the limit in the worker options if the vendor legitimately sends bigger payloads.',
  },
  SS5006: {
    title: 'Webhook timestamp outside the allowed window',
    explanation:
      'A signed push carried a timestamp too far from the worker\'s clock, which is how a captured request replayed later looks. The worker answered 401. If it is not an attack, check clock synchronisation on both sides.',
  },
  SS5007: {
    title: 'Inbox write failed',
    explanation:
      'Events could not be stored durably (the store is unreachable or refused the write). The trigger did not acknowledge them: a webhook got 503, a queue message was not acked, a poll cursor did not move, so the source will deliver them again. Check the store (SQLite file permissions and disk space, or PostgreSQL availability).',
  },
  SS5008: {
    title: 'Pushed records could not be read from the source',
    explanation:
      'The source\'s push carries record ids only (Zoho CRM notification callbacks), so the worker reads the current records from the source before storing them. That read failed (the source was unreachable, throttled or refused), so nothing was stored and the push was answered 503: the vendor delivers it again, and a poll trigger on the same spec picks the changes up in any case. The log line names the spec and the error; check the source connection.',
  },
  SS5010: {
    title: 'Cannot open the state store',
    explanation:
      'The store named by --store (a SQLite file path or a postgres:// URL) could not be opened or migrated. The message says why; check the path or URL, credentials and that the server is running.',
  },
  SS5011: {
    title: 'Store schema migrated',
    explanation:
      'The worker applied pending schema migrations to its store at start. Migrations are versioned and recorded in schema_migrations; each runs once, in order, in its own transaction.',
  },
  SS5020: {
    title: 'Record failed to map (bad mapping)',
    explanation:
      'The generated transform returned field errors for a record: a value did not convert, a lookup key is missing, a required field is null. The record went to the dead-letter queue with the input, each field error and the spec file:line:col of the mapping that failed. Fix the spec or the source data, then `syncspec dlq replay`.',
  },
  SS5021: {
    title: 'Target system rejected the record',
    explanation:
      'The target answered the upsert for this record with a permanent error (validation, duplicate, missing reference; including HTTP 200 bodies that report failure such as Kingdee IsSuccess:false). Retrying would give the same answer, so the record went to the dead-letter queue with the vendor\'s code and message.',
  },
  SS5022: {
    title: 'Retries exhausted',
    explanation:
      'A record kept failing with retryable or throttling errors for all the attempts the spec allows (delivery.retry.attempts). It went to the dead-letter queue with the last error; replay it once the target is healthy.',
  },
  SS5023: {
    title: 'Delivery will be retried',
    explanation:
      'A record failed with a transient error (5xx, timeout, 429 / vendor throttling). It stays in the inbox and is retried after a jittered exponential backoff, or after the Retry-After the vendor asked for if that is longer.',
  },
  SS5024: {
    title: 'Connector call failed for a whole batch',
    explanation:
      'The connector\'s upsert call threw instead of returning per-record results (connection refused, reset, timeout). Every record of the batch is retried with backoff and the failure counts against the connection\'s circuit breaker.',
  },
  SS5025: {
    title: 'Circuit breaker opened',
    explanation:
      'Consecutive failures against a connection crossed the threshold, so the worker stops calling it for a cool-down period instead of hammering a system that is down. Records wait in the inbox; after the cool-down one trial batch is let through (half-open).',
  },
  SS5026: {
    title: 'Circuit breaker closed',
    explanation: 'A trial call after the cool-down succeeded, so the connection is used normally again.',
  },
  SS5027: {
    title: 'Echo suppressed',
    explanation:
      'In a two-way flow this inbound change is the worker\'s own earlier write coming back from the other system. It was recognised from the echo marks (system, entity, id and the written values) and dropped, so records do not ping-pong between systems.',
  },
  SS5028: {
    title: 'Stale version superseded',
    explanation:
      'An event arrived for a record version older than (or equal to) one already delivered or newer than it is pending for the same key, e.g. webhooks delivered out of order. Only the newest version is written; the older event is marked superseded.',
  },
  SS5029: {
    title: 'Deletion not propagated',
    explanation:
      'The source reported a deleted record. Connectors offer no delete operation, so the worker records the event as skipped and writes nothing; reconcile reports the record as extra on the target.',
  },
  SS5030: {
    title: 'Connector returned no result for a record',
    explanation:
      'The connector\'s per-record results did not include one of the keys it was sent, which is a connector bug. The record is retried as if the call had failed transiently, so nothing is lost.',
  },
  SS5031: {
    title: 'Transform threw an exception',
    explanation:
      'The generated transform threw instead of returning field errors. The record is dead-lettered as a bad mapping with the message; regenerate the spec\'s code and report the input if it persists.',
  },
  SS5032: {
    title: 'Record skipped by the delivery mode',
    explanation:
      'The spec\'s delivery mode decided not to write this record, and nothing is wrong: `create-only` found the business key already at the target (the record is left as it is there; its target id is recorded in the crosswalk so ref() finds it), `update-only` found no target record with the key (that flow never creates records), or `mirror` saw a deletion of a record that was never synced. The event is settled as skipped with this reason and counted in syncspec_records_skipped_total by reason.',
  },
  SS5033: {
    title: 'Delivery mode needs a connector capability',
    explanation:
      'The spec\'s delivery mode needs something its target connector does not offer: `update-only` must ask the target which keys exist (findKeys), `mirror` propagates deletions with deleteBatch. Without findKeys, `create-only` checks only the crosswalk (records syncspec itself created) and says so at start-up; without findKeys `update-only` cannot run and the spec is not started; without deleteBatch `mirror` writes like upsert and skips deletions with this code. Use another mode, or a connector version that has the capability.',
  },
  SS5034: {
    title: 'Referenced record never synced (dead-lettered)',
    explanation:
      'A record waited for a record it references (SS5118, dependency pending) through all of the spec\'s retry attempts, and the referenced record was still not synced. It is in the dead-letter queue with the reason "reference not synced: <spec> <id>" and its input. Sync (or fix) the referenced record, then `syncspec dlq replay` this one.',
  },
  SS5040: {
    title: 'Poll read failed',
    explanation:
      'Reading changes from the source failed. The cursor did not move; the next poll reads the same window again.',
  },
  SS5041: {
    title: 'Poll cursor advanced',
    explanation:
      'All records a poll covered were delivered or dead-lettered, so the spec\'s cursor moved to the newest (timestamp, id) position read. Every move is recorded in the cursor history (`syncspec cursor show`).',
  },
  SS5042: {
    title: 'Cursor moved by an operator',
    explanation:
      'A cursor was set or reset with `syncspec cursor set|reset`. The move, who made it and why are recorded in the cursor history. Moving a cursor back re-reads records (deduped by version); forward skips them.',
  },
  SS5043: {
    title: 'Webhook trigger without a verifier',
    explanation:
      'A spec has a webhook trigger but its source connector cannot verify pushes and no generic HMAC secret was configured, so pushes to it would be accepted unauthenticated. The route refuses every request until a verifier is configured.',
  },
  SS5050: {
    title: 'Invalid cron schedule or time zone',
    explanation:
      'A schedule trigger\'s cron expression or IANA time zone could not be parsed, so the schedule is not started. Use five-field cron syntax and a zone name such as Asia/Shanghai.',
  },
  SS5051: {
    title: 'Schedule fired',
    explanation: 'A cron schedule reached its time and started its run (a poll in sync mode, a full scan in reconcile mode).',
  },
  SS5060: {
    title: 'Queue message undecodable',
    explanation:
      'A message on a queue trigger was not a record the worker understands (not JSON, or no id / version). It is stored in the dead-letter queue with its raw body and then acknowledged, so it neither blocks the queue nor is lost.',
  },
  SS5061: {
    title: 'Queue broker unreachable',
    explanation:
      'The worker could not connect to (or lost) the RabbitMQ / NATS broker of a queue trigger. Unacknowledged messages stay with the broker and are redelivered once the consumer is back.',
  },
  SS5062: {
    title: 'Queue consumer started',
    explanation: 'A queue trigger is consuming from its queue or stream, acknowledging each message only after it is stored in the inbox.',
  },
  SS5070: {
    title: 'Worker started',
    explanation: 'The worker opened its store, started its triggers and delivery loops, and serves /metrics, /healthz and /readyz.',
  },
  SS5071: {
    title: 'Drain started',
    explanation:
      'The worker received SIGTERM (or stop was called): it stopped taking new events, answers 503 on /readyz, and is finishing the batches in flight.',
  },
  SS5072: {
    title: 'Drain finished',
    explanation: 'All batches in flight were settled and the store closed; the process exits cleanly.',
  },
  SS5073: {
    title: 'Drain timed out',
    explanation:
      'Batches were still in flight when the drain bound elapsed. The worker exits anyway; their events stay pending in the inbox and their key leases expire, so another worker (or the next start) delivers them again, idempotently.',
  },
  SS5074: {
    title: 'No connector for a connection',
    explanation:
      'A spec names a connection the worker was not given a connector for, so the spec cannot run. Add the Connection and make sure its system has a connector.',
  },
  SS5080: {
    title: 'Dead letter not found',
    explanation: 'The id given to `syncspec dlq show|replay` is not in the dead-letter queue of that store (or was already replayed). List entries with `syncspec dlq list`.',
  },
  SS5081: {
    title: 'Invalid cursor position',
    explanation:
      'A cursor position given to `syncspec cursor set` must be an ISO-8601 timestamp, optionally followed by a comma and a record id for ties (e.g. 2026-03-01T00:00:00Z,001xx0000001). Nothing was changed.',
  },
} satisfies Record<`SS50${string}`, CodeInfo>;

/**
 * SS5xxx — runtime diagnostics. Numbers are never reused; retired ones stay with `retired: true`.
 * SS5100–SS5149: errors raised by compiled CEL expressions (`CelError` in runtime/support/errors.ts),
 * reported per target field by the generated transform.
 */
export const runtimeCodes = {
  // SS5001–SS5099: the sync worker (runtime/), kept in its own block above.
  ...workerCodes,
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
  SS5118: {
    title: 'Reference not synced yet (dependency pending)',
    explanation:
      'A `ref()` mapped to a target field that is required on create found no crosswalk entry: the referenced record (the account of an order, say) has not been synced by its spec yet. Instead of sending the record with an empty reference, which the target would reject, the worker keeps it pending and tries again with the spec\'s retry backoff; it goes out as soon as the referenced record is synced. After the spec\'s retry attempts it is dead-lettered (SS5034) with the reason "reference not synced: <spec> <id>". Check that the referenced spec runs and that its record was not dead-lettered itself. A field that may stay empty should be nullable in the target, or map `ref(…).orValue(…)` explicitly.',
  },
} satisfies Record<`SS5${string}`, CodeInfo>;
