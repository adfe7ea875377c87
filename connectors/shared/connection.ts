/**
 * From a `Connection` spec to a connector. Connectors never import the compiler, so the settings are
 * described structurally here; secrets arrive through a resolver (env, file, Kubernetes Secret) and
 * are only ever held in the resolved config object.
 */
import type { Connector } from '../../runtime/support/connector.ts';
import { CODES } from './errors.ts';

export interface ConnectionSettings {
  /** `metadata.name`, for messages. */
  name?: string;
  system: string;
  url: string;
  timezone?: string;
  auth: { method: string; [field: string]: unknown };
  webhook?: { secret?: unknown };
  options?: Record<string, unknown>;
}

/** Resolves a secret reference (`{env}`, `{file}`, `{secretKeyRef}`); `field` names it in errors. */
export type SecretResolver = (ref: unknown, field: string) => Promise<string>;

export class ConnectionSettingsError extends Error {
  readonly code = CODES.connectionSettings;
  constructor(connection: ConnectionSettings, message: string) {
    super(`${CODES.connectionSettings}: connection ${connection.name ?? connection.system}: ${message}`);
    this.name = 'ConnectionSettingsError';
  }
}

/** Typed readers over `auth` and `options` that fail with a message naming the field. */
export function settingsReader(c: ConnectionSettings) {
  const where = (section: 'auth' | 'options', key: string) => `${section}.${key}`;
  return {
    str(section: 'auth' | 'options', key: string): string | undefined {
      const v = (section === 'auth' ? c.auth : c.options)?.[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v === '') throw new ConnectionSettingsError(c, `${where(section, key)} must be a non-empty string`);
      return v;
    },
    num(section: 'auth' | 'options', key: string): number | undefined {
      const v = (section === 'auth' ? c.auth : c.options)?.[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConnectionSettingsError(c, `${where(section, key)} must be a positive number`);
      return v;
    },
    obj<T>(key: string): T | undefined {
      const v = c.options?.[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConnectionSettingsError(c, `options.${key} must be an object`);
      return v as T;
    },
    required<T>(v: T | undefined, field: string): T {
      if (v === undefined) throw new ConnectionSettingsError(c, `${field} is required for auth method ${c.auth.method}`);
      return v;
    },
  };
}

/** Offset in minutes of an IANA zone at `at` (Kingdee and U8 write offset-less local time; China has no DST). */
export function zoneOffsetMinutes(timeZone: string, at: Date = new Date()): number | undefined {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at);
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (name === 'GMT') return 0;
    const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : undefined;
  } catch {
    return undefined;
  }
}

type Factory = (c: ConnectionSettings, secret: SecretResolver, now?: () => number) => Promise<Connector>;

/** Connector factories by `spec.system`; loaded lazily so a worker only pays for the systems it uses. */
export const CONNECTOR_FACTORIES: Record<string, () => Promise<Factory>> = {
  salesforce: async () => (await import('../salesforce/from-connection.ts')).salesforceFromConnection,
  'kingdee-k3cloud': async () => (await import('../kingdee-k3cloud/from-connection.ts')).kingdeeFromConnection,
  jiandaoyun: async () => (await import('../jiandaoyun/from-connection.ts')).jiandaoyunFromConnection,
  postgresql: async () => (await import('../postgresql/from-connection.ts')).postgresFromConnection,
  mysql: async () => (await import('../mysql/from-connection.ts')).mysqlFromConnection,
};

/** Builds the connector of a Connection; throws ConnectionSettingsError (SS5166) for settings it cannot use. */
export async function createConnector(c: ConnectionSettings, secret: SecretResolver, now?: () => number): Promise<Connector> {
  const load = CONNECTOR_FACTORIES[c.system];
  if (!load) throw new ConnectionSettingsError(c, `no connector for system "${c.system}" (known: ${Object.keys(CONNECTOR_FACTORIES).sort().join(', ')})`);
  return (await load())(c, secret, now);
}
