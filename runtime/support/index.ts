/**
 * The small support module generated transforms import (`#support`): node: built-ins only.
 * Decimal arithmetic, dates with IANA zones, CEL run-time operations, typed record reads and the transform contract.
 */
export type { CompiledTransform, FieldError, TransformContext, TransformResult } from './transform.ts';
export * from './cel-runtime.ts';
export * from './fields.ts';
export * from './fused.ts';
export { Decimal, divRound, roundingModes, type RoundingMode } from './decimal.ts';
export { Duration, PlainDate, Timestamp, dateOf, isValidZone, localText, localToInstant, offsetMinutes, parseDate, parseInstant } from './dates.ts';
export { CelError, celErrorCodes, isCelError, type CelErrorCode, type CelErrorKind } from './errors.ts';
export { typeName } from './values.ts';
