import { describe, expect, it } from 'vitest';
import { classifyMysqlError } from '../mysql/dialect.ts';
import { classifyPostgresError } from './dialect.ts';

/** Errors shaped as the drivers raise them (pg DatabaseError: `code` = SQLSTATE; mysql2: `errno`, `code`). */
const pgError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`server says ${code}`), { code, ...extra });
const myError = (errno: number, code = 'ER_X') => Object.assign(new Error(`server says ${errno}`), { errno, code });

describe('PostgreSQL error classes (by SQLSTATE, never by message)', () => {
  it.each([
    ['40001', 'SS5154', 'retryable', false], // serialization_failure
    ['40P01', 'SS5154', 'retryable', false], // deadlock_detected
    ['55P03', 'SS5153', 'retryable', false], // lock_not_available
    ['57014', 'SS5153', 'retryable', false], // query_canceled (statement_timeout)
    ['53300', 'SS5154', 'retryable', false], // too_many_connections
    ['57P01', 'SS5152', 'retryable', false], // admin_shutdown (backend killed)
    ['08006', 'SS5152', 'retryable', false], // connection_failure
    ['28P01', 'SS5150', 'retryable', false], // invalid_password
    ['23505', 'SS5156', 'rejected', true], // unique_violation
    ['23502', 'SS5156', 'rejected', true], // not_null_violation
    ['23514', 'SS5156', 'rejected', true], // check_violation
    ['23503', 'SS5156', 'rejected', true], // foreign_key_violation
    ['22001', 'SS5156', 'rejected', true], // string_data_right_truncation
    ['42703', 'SS5157', 'bad-mapping', false], // undefined_column
    ['42P01', 'SS5165', 'bad-mapping', false], // undefined_table
    ['42P10', 'SS5164', 'bad-mapping', false], // no unique constraint for ON CONFLICT
  ] as const)('%s → %s %s', (sqlstate, code, cls, perRecord) => {
    const c = classifyPostgresError(pgError(sqlstate));
    expect(c.error).toMatchObject({ code, class: cls, vendorCode: sqlstate });
    expect(c.perRecord).toBe(perRecord);
  });

  it('names the constraint of a refused record, and treats a socket failure as a lost connection', () => {
    expect(classifyPostgresError(pgError('23505', { constraint: 'customers_pkey' })).error.message).toContain('[constraint customers_pkey]');
    expect(classifyPostgresError(new Error('Connection terminated unexpectedly'))).toMatchObject({ connectionLost: true, error: { code: 'SS5152', class: 'retryable' } });
    expect(classifyPostgresError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({ connectionLost: true, error: { code: 'SS5152', vendorCode: 'ECONNREFUSED' } });
  });
});

describe('MySQL / MariaDB error classes (by server errno)', () => {
  it.each([
    [1213, 'SS5154', 'retryable', false], // deadlock
    [1205, 'SS5153', 'retryable', false], // lock wait timeout
    [1969, 'SS5153', 'retryable', false], // MariaDB max_statement_time
    [1040, 'SS5154', 'retryable', false], // too many connections
    [1927, 'SS5152', 'retryable', false], // connection killed
    [1045, 'SS5150', 'retryable', false], // access denied
    [1062, 'SS5156', 'rejected', true], // duplicate entry
    [1048, 'SS5156', 'rejected', true], // column cannot be null
    [4025, 'SS5156', 'rejected', true], // MariaDB CHECK constraint failed
    [3819, 'SS5156', 'rejected', true], // MySQL CHECK constraint violated
    [1452, 'SS5156', 'rejected', true], // foreign key
    [1406, 'SS5156', 'rejected', true], // data too long
    [1054, 'SS5157', 'bad-mapping', false], // unknown column
    [1146, 'SS5165', 'bad-mapping', false], // no such table
  ] as const)('%i → %s %s', (errno, code, cls, perRecord) => {
    const c = classifyMysqlError(myError(errno));
    expect(c.error).toMatchObject({ code, class: cls, vendorCode: String(errno) });
    expect(c.perRecord).toBe(perRecord);
  });

  it('treats driver-side failures as lost connections or timeouts', () => {
    expect(classifyMysqlError(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }))).toMatchObject({ connectionLost: true, error: { code: 'SS5152' } });
    expect(classifyMysqlError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED', errno: -111 }))).toMatchObject({ connectionLost: true, error: { code: 'SS5152', vendorCode: 'ECONNREFUSED' } });
    expect(classifyMysqlError(Object.assign(new Error('Query inactivity timeout'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }))).toMatchObject({ connectionLost: true, error: { code: 'SS5153' } });
  });
});
