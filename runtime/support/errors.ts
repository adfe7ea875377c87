/**
 * Run-time errors of compiled CEL expressions. Generated transforms catch `CelError` per field and turn
 * it into a `FieldError` with the field path and the spec position; branch on `code`, never on message.
 * The codes are registered (with explanations) in `compiler/diagnostics/codes/runtime.ts`.
 */
export const celErrorCodes = {
  overflow: 'SS5101',
  divisionByZero: 'SS5102',
  nullValue: 'SS5103',
  noSuchField: 'SS5104',
  noMatchingOverload: 'SS5105',
  badConversion: 'SS5106',
  outOfRange: 'SS5107',
  indexOutOfRange: 'SS5108',
  noSuchKey: 'SS5109',
  tooLong: 'SS5110',
  notInEnum: 'SS5111',
  scaleTooLarge: 'SS5112',
  badRegex: 'SS5114',
  badZone: 'SS5115',
  badDateText: 'SS5116',
  badArgument: 'SS5117',
  referencePending: 'SS5118',
} as const;

export type CelErrorKind = keyof typeof celErrorCodes;
export type CelErrorCode = (typeof celErrorCodes)[CelErrorKind];

export class CelError extends Error {
  readonly code: CelErrorCode;
  readonly kind: CelErrorKind;
  constructor(kind: CelErrorKind, message: string) {
    super(message);
    this.name = 'CelError';
    this.kind = kind;
    this.code = celErrorCodes[kind];
  }
}

export function celFail(kind: CelErrorKind, message: string): never {
  throw new CelError(kind, message);
}

export const isCelError = (e: unknown): e is CelError => e instanceof CelError;
