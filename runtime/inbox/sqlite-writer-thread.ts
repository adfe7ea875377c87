/**
 * The SQLite store's writer thread: its own connection to the database file, applying each group of
 * inserts and settlements in one transaction (see sqlite-writes.ts) and answering only after COMMIT —
 * after the fsync with `synchronous=FULL`. Started by `SqliteInboxStore` (sqlite.ts) per file handle.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteWrites, toWireError, type WriteRequest } from './sqlite-writes.ts';

export interface WriterThreadData {
  path: string;
  synchronous: 'FULL' | 'NORMAL';
}

export type WriterMessage = { type: 'write'; id: number; batch: WriteRequest[] } | { type: 'close' };

const data = workerData as WriterThreadData;
const port = parentPort;
if (!port) throw new Error('sqlite-writer-thread.ts runs as a worker thread of the SQLite store');

const db = new DatabaseSync(data.path);
db.exec('PRAGMA journal_mode = WAL');
db.exec(`PRAGMA synchronous = ${data.synchronous}`);
// The main thread's connection (migrations, cursor moves, replays) and other handles share the file.
db.exec('PRAGMA busy_timeout = 5000');
db.exec('PRAGMA foreign_keys = ON');
const writes = new SqliteWrites(db);

port.on('message', (m: WriterMessage) => {
  if (m.type === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    port.postMessage({ id: m.id, outcomes: writes.apply(m.batch) });
  } catch (err) {
    port.postMessage({ id: m.id, error: toWireError(err) });
  }
});
