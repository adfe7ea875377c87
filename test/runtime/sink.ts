/** Collects pino JSON lines so tests assert on parsed log records (after pino's own tests). */
import { Writable } from 'node:stream';

export function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream, codes: () => lines.map((l) => l.code).filter((c) => c !== undefined) };
}
