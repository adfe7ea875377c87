/** Which lookup tables and specs an expression names (`lookup('units', …)`, `ref('crm-accounts', …)`). */
import { parse } from '@bufbuild/cel';

export interface NamedCalls {
  lookups: string[];
  refs: string[];
}

/** Names passed as a constant first argument to the global `lookup`/`ref`; empty when the text does not parse. */
export function namedCalls(expression: string): NamedCalls {
  const found: NamedCalls = { lookups: [], refs: [] };
  let root: unknown;
  try {
    root = parse(expression).expr;
  } catch {
    return found; // the CEL compiler reports the syntax error with its position
  }
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    const call = callOf(node);
    if (call && call.target === undefined && (call.function === 'lookup' || call.function === 'ref')) {
      const name = constString(call.args[0]);
      if (name !== undefined) (call.function === 'lookup' ? found.lookups : found.refs).push(name);
    }
    for (const value of Object.values(node)) if (typeof value === 'object' && value !== null) stack.push(value);
  }
  return found;
}

interface CallNode {
  function: string;
  target: unknown;
  args: unknown[];
}

function callOf(node: object): CallNode | undefined {
  const kind = (node as { exprKind?: { case?: string; value?: CallNode } }).exprKind;
  return kind?.case === 'callExpr' ? kind.value : undefined;
}

function constString(node: unknown): string | undefined {
  const kind = (node as { exprKind?: { case?: string; value?: { constantKind?: { case?: string; value?: unknown } } } })
    ?.exprKind;
  const constant = kind?.case === 'constExpr' ? kind.value?.constantKind : undefined;
  return constant?.case === 'stringValue' && typeof constant.value === 'string' ? constant.value : undefined;
}
