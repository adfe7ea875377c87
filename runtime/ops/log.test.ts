import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';

function sink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('worker logger', () => {
  it('redacts credentials wherever they sit and keeps the code field', async () => {
    const { lines, stream } = sink();
    const log = createLogger({ destination: stream, level: 'info' });
    log.info(
      {
        code: 'SS5070',
        authorization: 'Bearer top-level',
        req: { headers: { authorization: 'Bearer abc', 'x-jdy-signature': 'sigvalue9', cookie: 'kdservice-sessionid=s1', host: 'h' } },
        auth: { clientSecret: 'cs', password: 'pw', basic: { password: 'deep' } },
        token: 't0',
        connection: { access_token: 'at', apiKey: 'k' },
        spec: 'accounts',
      },
      'started',
    );
    log.flush();
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines);
    for (const secret of ['top-level', 'Bearer abc', 'sigvalue9', 's1', '"cs"', '"pw"', 'deep', 't0', '"at"', '"k"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      level: 'info',
      code: 'SS5070',
      spec: 'accounts',
      msg: 'started',
      req: { headers: { authorization: '[redacted]', host: 'h' } },
      auth: { basic: { password: '[redacted]' } },
    });
  });
});
