/** Shared building blocks for connectors and their emulators. */
export * from './cursor.ts';
export * from './errors.ts';
export * from './http.ts';
export * from './xml.ts';
export * from './backoff.ts';
export * from './connection.ts';
