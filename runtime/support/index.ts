/**
 * The small support module generated transforms import (`#support`): node: built-ins only.
 * Decimal arithmetic, dates with IANA zones, lookups and the transform contract.
 */
export type { CompiledTransform, FieldError, TransformContext, TransformResult } from './transform.ts';
