export type Phase = 'load' | 'schema' | 'semantic' | 'emit' | 'runtime' | 'operator';

/** A registered diagnostic code: a stable title and a paragraph `syncspec explain` prints. */
export interface CodeInfo {
  title: string;
  explanation: string;
  /** Retired codes stay registered (never reused) and are marked so. */
  retired?: true;
}
