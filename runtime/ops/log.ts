/**
 * JSON logs (pino) with credentials redacted at the root, so no child logger or call site can leak
 * them (style.md §2.16). Log lines carry a `code` field (SS5xxx); record payloads are never logged.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'password',
  'passwd',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'apiKey',
  'api_key',
  'sessionId',
  'x-api-key',
  'x-jdy-signature',
  'x-syncspec-signature',
];

/** Each secret-bearing key at the top level and up to three levels deep (headers.authorization, auth.basic.password…). */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => {
  const plain = /^[A-Za-z_$][\w$]*$/.test(k);
  const under = (prefix: string): string => (plain ? `${prefix}.${k}` : `${prefix}["${k}"]`);
  return [plain ? k : `["${k}"]`, under('*'), under('*.*'), under('*.*.*')];
});

export interface LogOptions {
  level?: string;
  /** Where lines go (tests pass a sink); stdout by default. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: options.base ?? { service: 'syncspec-worker' },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger that discards everything (CLI commands that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
