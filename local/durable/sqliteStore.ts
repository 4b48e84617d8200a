/**
 * An `InstanceStore` in one SQLite file (better-sqlite3: synchronous, so the engine's commit logic
 * keeps its shape), so that a local host killed at any point — even with SIGKILL in the middle of a
 * fan-out — resumes on restart without losing or repeating completed steps.
 *
 * Layout of the state folder (default `.state/`):
 * - `durable.sqlite` (+ `-wal`, `-shm`): the instances, in WAL mode.
 * - `durable.sqlite.lock`: an empty SQLite file this store holds an exclusive lock on while open,
 *   so a second engine (another process, or another store in this one) on the same folder is
 *   refused instead of running the same activities twice. The OS drops the lock when the process
 *   dies, however it dies. A `readOnly` store takes no lock: it can inspect a running engine's
 *   state (WAL lets readers see every committed transaction while the engine writes).
 *
 * Schema (version `SQLITE_SCHEMA_VERSION`, in `PRAGMA user_version`; `PRAGMA application_id` marks
 * the file as Surge's):
 * - `instances`: one row per instance — status, input/output/custom status (JSON text), times,
 *   parent link, execution, epoch, the names it waits for, and `history_count`. `seq` (the rowid)
 *   orders instances by creation; a re-created id is deleted first, so it lists as newest.
 * - `history`: the current execution's events, one row per event (`position`, `event_type`, the
 *   event as JSON text). Appended, not rewritten: within an execution history only grows.
 * - `inbox`: new events not yet processed by an episode, in arrival order.
 * - `activities`: scheduled activities not yet completed (re-dispatched on start-up).
 * - `timers`: pending durable timers (`fire_at` indexed for the engine's "next timer" query).
 *
 * Every `put` writes the instance row and its four lists in one transaction, and the engine wraps
 * each of its state changes (which may touch several instances) in `transaction`, so a crash keeps
 * all of a change or none of it. Child rows go with their instance (`ON DELETE CASCADE`).
 *
 * Durability: `synchronous=NORMAL` by default — a commit is in the WAL (the OS's hands) before it
 * returns, which survives a killed process; an OS crash or power loss may roll back the last
 * commits (never corrupt), which the engine sees as work still in flight. `durability: 'power'`
 * fsyncs every commit (`synchronous=FULL`).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { HistoryEvent } from './history';
import type {
  InstanceState,
  InstanceStore,
  ParentLink,
  PendingActivity,
  PendingTimer,
  RuntimeStatus,
} from './store';
import { TERMINAL_STATUSES } from './store';

/** Version of the schema this code reads and writes (`PRAGMA user_version`). */
export const SQLITE_SCHEMA_VERSION = 1;

/** `PRAGMA application_id` of Surge's durable state databases ("SRGD"). */
export const SQLITE_APPLICATION_ID = 0x53524744;

/** File name of the database inside the state folder. */
export const DEFAULT_DATABASE_FILE = 'durable.sqlite';

/** What went wrong opening or using the state database. */
export type StateStoreProblem =
  | 'not-writable'
  | 'in-use'
  | 'not-a-state-database'
  | 'incompatible-schema'
  | 'read-only'
  | 'closed';

/** A state database that cannot be used, with a message that says what to do. */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';
  constructor(
    message: string,
    /** Which problem, for callers that react differently (e.g. a CLI's exit code). */
    readonly problem: StateStoreProblem,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How to open a SqliteInstanceStore. */
export interface SqliteInstanceStoreOptions {
  /** Folder of the database; created if missing (e.g. `.state`). */
  readonly stateFolder: string;
  /** Database file name inside the folder. Default `durable.sqlite`. */
  readonly fileName?: string;
  /**
   * `process` (default): committed work survives a killed process (`synchronous=NORMAL`).
   * `power`: also an OS crash or power loss (`synchronous=FULL`, an fsync per commit).
   */
  readonly durability?: 'process' | 'power';
  /** How long to wait for SQLite's own locks (ms). Default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * Inspect only: no folder lock (so it can look at the state of a running engine), no schema
   * creation, and `put`/`delete`/`transaction` throw. The database must exist.
   */
  readonly readOnly?: boolean;
}

// --- schema -----------------------------------------------------------------------------------

const SCHEMA = `
CREATE TABLE instances (
  seq INTEGER PRIMARY KEY,
  instance_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  runtime_status TEXT NOT NULL,
  input TEXT NOT NULL,
  output TEXT NOT NULL,
  custom_status TEXT NOT NULL,
  created_time INTEGER NOT NULL,
  last_updated_time INTEGER NOT NULL,
  parent TEXT,
  execution INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  waiting_for_events TEXT NOT NULL,
  history_count INTEGER NOT NULL
);
CREATE INDEX instances_by_status ON instances (runtime_status);

CREATE TABLE history (
  instance_id TEXT NOT NULL REFERENCES instances (instance_id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  event_type INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (instance_id, position)
) WITHOUT ROWID;

CREATE TABLE inbox (
  instance_id TEXT NOT NULL REFERENCES instances (instance_id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  event_type INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (instance_id, position)
) WITHOUT ROWID;

CREATE TABLE activities (
  instance_id TEXT NOT NULL REFERENCES instances (instance_id) ON DELETE CASCADE,
  task_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  input TEXT,
  PRIMARY KEY (instance_id, task_id)
) WITHOUT ROWID;

CREATE TABLE timers (
  instance_id TEXT NOT NULL REFERENCES instances (instance_id) ON DELETE CASCADE,
  timer_id INTEGER NOT NULL,
  fire_at INTEGER NOT NULL,
  PRIMARY KEY (instance_id, timer_id)
) WITHOUT ROWID;
CREATE INDEX timers_by_fire_at ON timers (fire_at);
`;

interface InstanceRow {
  readonly seq: number;
  readonly instance_id: string;
  readonly name: string;
  readonly runtime_status: string;
  readonly input: string;
  readonly output: string;
  readonly custom_status: string;
  readonly created_time: number;
  readonly last_updated_time: number;
  readonly parent: string | null;
  readonly execution: number;
  readonly epoch: number;
  readonly waiting_for_events: string;
  readonly history_count: number;
}

interface ActivityRow {
  readonly task_id: number;
  readonly name: string;
  readonly input: string | null;
}

interface TimerRow {
  readonly timer_id: number;
  readonly fire_at: number;
}

const INSTANCE_COLUMNS =
  'seq, instance_id, name, runtime_status, input, output, custom_status, created_time, ' +
  'last_updated_time, parent, execution, epoch, waiting_for_events, history_count';

/** The terminal statuses as SQL literals (fixed identifiers from store.ts, not user input). */
const TERMINAL_SQL = [...TERMINAL_STATUSES].map((s) => `'${s}'`).join(', ');

function prepareStatements(db: Database.Database) {
  return {
    instance: db.prepare<[string], InstanceRow>(
      `SELECT ${INSTANCE_COLUMNS} FROM instances WHERE instance_id = ?`,
    ),
    all: db.prepare<[], InstanceRow>(`SELECT ${INSTANCE_COLUMNS} FROM instances ORDER BY seq`),
    active: db.prepare<[], InstanceRow>(
      `SELECT ${INSTANCE_COLUMNS} FROM instances WHERE runtime_status NOT IN (${TERMINAL_SQL}) ORDER BY seq`,
    ),
    historyCount: db
      .prepare<[string], number>('SELECT history_count FROM instances WHERE instance_id = ?')
      .pluck(),
    upsert: db.prepare(
      `INSERT INTO instances (instance_id, name, runtime_status, input, output, custom_status,
         created_time, last_updated_time, parent, execution, epoch, waiting_for_events, history_count)
       VALUES (@instance_id, @name, @runtime_status, @input, @output, @custom_status,
         @created_time, @last_updated_time, @parent, @execution, @epoch, @waiting_for_events,
         @history_count)
       ON CONFLICT (instance_id) DO UPDATE SET
         name = excluded.name, runtime_status = excluded.runtime_status, input = excluded.input,
         output = excluded.output, custom_status = excluded.custom_status,
         created_time = excluded.created_time, last_updated_time = excluded.last_updated_time,
         parent = excluded.parent, execution = excluded.execution, epoch = excluded.epoch,
         waiting_for_events = excluded.waiting_for_events, history_count = excluded.history_count`,
    ),
    deleteInstance: db.prepare<[string]>('DELETE FROM instances WHERE instance_id = ?'),
    history: db
      .prepare<[string], string>(
        'SELECT event FROM history WHERE instance_id = ? ORDER BY position',
      )
      .pluck(),
    historyAt: db
      .prepare<[string, number], string>(
        'SELECT event FROM history WHERE instance_id = ? AND position = ?',
      )
      .pluck(),
    insertHistory: db.prepare<[string, number, number, string]>(
      'INSERT INTO history (instance_id, position, event_type, event) VALUES (?, ?, ?, ?)',
    ),
    clearHistory: db.prepare<[string]>('DELETE FROM history WHERE instance_id = ?'),
    inbox: db
      .prepare<[string], string>('SELECT event FROM inbox WHERE instance_id = ? ORDER BY position')
      .pluck(),
    insertInbox: db.prepare<[string, number, number, string]>(
      'INSERT INTO inbox (instance_id, position, event_type, event) VALUES (?, ?, ?, ?)',
    ),
    clearInbox: db.prepare<[string]>('DELETE FROM inbox WHERE instance_id = ?'),
    activities: db.prepare<[string], ActivityRow>(
      'SELECT task_id, name, input FROM activities WHERE instance_id = ? ORDER BY task_id',
    ),
    activityIds: db
      .prepare<[string], number>('SELECT task_id FROM activities WHERE instance_id = ?')
      .pluck(),
    insertActivity: db.prepare<[string, number, string, string | null]>(
      'INSERT INTO activities (instance_id, task_id, name, input) VALUES (?, ?, ?, ?)',
    ),
    deleteActivity: db.prepare<[string, number]>(
      'DELETE FROM activities WHERE instance_id = ? AND task_id = ?',
    ),
    timers: db.prepare<[string], TimerRow>(
      'SELECT timer_id, fire_at FROM timers WHERE instance_id = ? ORDER BY timer_id',
    ),
    insertTimer: db.prepare<[string, number, number]>(
      'INSERT INTO timers (instance_id, timer_id, fire_at) VALUES (?, ?, ?)',
    ),
    clearTimers: db.prepare<[string]>('DELETE FROM timers WHERE instance_id = ?'),
    nextTimerAt: db
      .prepare<[], number | null>(
        `SELECT min(t.fire_at) FROM timers t JOIN instances i ON i.instance_id = t.instance_id
         WHERE i.runtime_status NOT IN (${TERMINAL_SQL})`,
      )
      .pluck(),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

// --- the store --------------------------------------------------------------------------------

/** Durable instances in a SQLite database in a state folder. See the module comment. */
export class SqliteInstanceStore implements InstanceStore {
  /** Absolute path of the state folder. */
  readonly stateFolder: string;
  /** Absolute path of the database file. */
  readonly file: string;

  /** Opened with `readOnly`. */
  readonly readOnly: boolean;

  #db: Database.Database | undefined;
  #lock: Database.Database | undefined;
  readonly #sql: Statements;

  /**
   * Open (or create) the database. Throws StateStoreError when the folder is not writable, another
   * store holds it, or the file is not a state database of this schema version.
   */
  constructor(options: SqliteInstanceStoreOptions) {
    this.stateFolder = resolve(options.stateFolder);
    this.file = join(this.stateFolder, options.fileName ?? DEFAULT_DATABASE_FILE);
    this.readOnly = options.readOnly ?? false;
    if (this.readOnly) {
      const db = openReadOnly(this.file);
      this.#db = db;
      this.#sql = prepareStatements(db);
      return;
    }
    try {
      mkdirSync(this.stateFolder, { recursive: true });
    } catch (err) {
      throw notWritable(this.stateFolder, err);
    }
    const lock = acquireLock(`${this.file}.lock`, this.stateFolder);
    try {
      const db = openDatabase(this.file, this.stateFolder, options);
      this.#db = db;
      this.#sql = prepareStatements(db);
    } catch (err) {
      lock.close();
      throw err;
    }
    this.#lock = lock;
  }

  /** False once closed. */
  get isOpen(): boolean {
    return this.#db !== undefined;
  }

  /** See InstanceStore.get. Returns a fresh copy every time. */
  get(instanceId: string): InstanceState | undefined {
    return this.#read(() => {
      const row = this.#sql.instance.get(instanceId);
      return row ? this.#toState(row) : undefined;
    });
  }

  /**
   * See InstanceStore.put. One transaction: the instance row, history (appended when the stored
   * history is a prefix of the new one, else rewritten), inbox and timers (rewritten: they are
   * short), activities (only the difference, so a completion deletes one row).
   */
  put(state: InstanceState): void {
    this.transaction(() => {
      const id = state.instanceId;
      const storedCount = this.#sql.historyCount.get(id);
      this.#sql.upsert.run({
        instance_id: id,
        name: state.name,
        runtime_status: state.runtimeStatus,
        input: toJson(state.input),
        output: toJson(state.output),
        custom_status: toJson(state.customStatus),
        created_time: state.createdTime,
        last_updated_time: state.lastUpdatedTime,
        parent: state.parent ? JSON.stringify(state.parent) : null,
        execution: state.execution,
        epoch: state.epoch,
        waiting_for_events: JSON.stringify(state.waitingForEvents),
        history_count: state.history.length,
      });
      this.#writeHistory(id, storedCount ?? 0, state.history);

      this.#sql.clearInbox.run(id);
      state.inbox.forEach((e, i) => this.#sql.insertInbox.run(id, i, e.EventType, eventText(e)));

      const storedIds = new Set(this.#sql.activityIds.all(id));
      const wantedIds = new Set(state.activities.map((a) => a.id));
      for (const taskId of storedIds) {
        if (!wantedIds.has(taskId)) this.#sql.deleteActivity.run(id, taskId);
      }
      for (const a of state.activities) {
        if (!storedIds.has(a.id))
          this.#sql.insertActivity.run(id, a.id, a.name, a.inputJson ?? null);
      }

      this.#sql.clearTimers.run(id);
      for (const t of state.timers) this.#sql.insertTimer.run(id, t.id, t.fireAt);
    });
  }

  /** See InstanceStore.delete. Its history and pending work go with it. */
  delete(instanceId: string): boolean {
    return this.transaction(() => this.#sql.deleteInstance.run(instanceId).changes > 0);
  }

  /** See InstanceStore.list. */
  list(): InstanceState[] {
    return this.#read(() => this.#sql.all.all().map((row) => this.#toState(row)));
  }

  /** See InstanceStore.listActive. Finished instances are not even read. */
  listActive(): InstanceState[] {
    return this.#read(() => this.#sql.active.all().map((row) => this.#toState(row)));
  }

  /** See InstanceStore.nextTimerAt. One indexed query. */
  nextTimerAt(): number | undefined {
    this.#open();
    return this.#sql.nextTimerAt.get() ?? undefined;
  }

  /** See InstanceStore.transaction: a SQLite transaction (a savepoint when nested). */
  transaction<T>(change: () => T): T {
    const db = this.#open();
    if (this.readOnly) {
      throw new StateStoreError(`'${this.file}' was opened read-only.`, 'read-only');
    }
    return db.transaction(change)();
  }

  /** Close the database and release the folder's lock. Idempotent. */
  close(): void {
    this.#db?.close();
    this.#db = undefined;
    this.#lock?.close();
    this.#lock = undefined;
  }

  /**
   * Run reads in one read transaction: an instance is several rows, and a reader beside a running
   * engine (readOnly) must not see half of a commit. Inside a transaction, reads are consistent.
   */
  #read<T>(reads: () => T): T {
    const db = this.#open();
    return db.inTransaction ? reads() : db.transaction(reads)();
  }

  #open(): Database.Database {
    if (!this.#db) {
      throw new StateStoreError(`The Durable state database '${this.file}' is closed.`, 'closed');
    }
    return this.#db;
  }

  /**
   * Append the events past `storedCount` when the stored rows are a prefix of `history` (checked
   * on the first and last stored event, which carry timestamps and the execution id); otherwise
   * (a new execution, anything unexpected) rewrite all rows.
   */
  #writeHistory(id: string, storedCount: number, history: readonly HistoryEvent[]): void {
    let from = 0;
    if (storedCount > 0) {
      const first = history[0];
      const last = history[storedCount - 1];
      const isPrefix =
        history.length >= storedCount &&
        first !== undefined &&
        last !== undefined &&
        this.#sql.historyAt.get(id, 0) === eventText(first) &&
        this.#sql.historyAt.get(id, storedCount - 1) === eventText(last);
      if (isPrefix) from = storedCount;
      else this.#sql.clearHistory.run(id);
    }
    for (let i = from; i < history.length; i++) {
      const e = history[i] as HistoryEvent;
      this.#sql.insertHistory.run(id, i, e.EventType, eventText(e));
    }
  }

  #toState(row: InstanceRow): InstanceState {
    const id = row.instance_id;
    const activities: PendingActivity[] = this.#sql.activities.all(id).map((a) => ({
      id: a.task_id,
      name: a.name,
      ...(a.input !== null ? { inputJson: a.input } : {}),
    }));
    const timers: PendingTimer[] = this.#sql.timers
      .all(id)
      .map((t) => ({ id: t.timer_id, fireAt: t.fire_at }));
    return {
      instanceId: id,
      name: row.name,
      input: JSON.parse(row.input) as unknown,
      output: JSON.parse(row.output) as unknown,
      customStatus: JSON.parse(row.custom_status) as unknown,
      runtimeStatus: row.runtime_status as RuntimeStatus,
      createdTime: row.created_time,
      lastUpdatedTime: row.last_updated_time,
      ...(row.parent !== null ? { parent: JSON.parse(row.parent) as ParentLink } : {}),
      execution: row.execution,
      epoch: row.epoch,
      history: this.#sql.history.all(id).map(parseEvent),
      inbox: this.#sql.inbox.all(id).map(parseEvent),
      timers,
      activities,
      waitingForEvents: JSON.parse(row.waiting_for_events) as string[],
    };
  }
}

// --- opening ----------------------------------------------------------------------------------

/**
 * Take the folder's lock: an exclusive lock on an empty SQLite file, held until `close()` (or the
 * process's death — the OS releases it, so a killed engine never leaves a stale lock behind).
 */
function acquireLock(path: string, folder: string): Database.Database {
  let lock: Database.Database;
  try {
    lock = new Database(path, { timeout: 0 });
  } catch (err) {
    throw notWritable(folder, err);
  }
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE; COMMIT;');
    return lock;
  } catch (err) {
    lock.close();
    if (sqliteCode(err) === 'SQLITE_BUSY') {
      throw new StateStoreError(
        `The Durable state folder '${folder}' is in use by another engine (another process, or ` +
          'another store in this one). Stop it first, or give this engine its own state folder.',
        'in-use',
        { cause: err },
      );
    }
    throw notWritable(folder, err);
  }
}

/** A read-only connection to an existing state database of this schema version. */
function openReadOnly(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const applicationId = db.pragma('application_id', { simple: true });
    const version = db.pragma('user_version', { simple: true });
    if (applicationId !== SQLITE_APPLICATION_ID) {
      throw notAStateDatabase(file, `its application_id is ${String(applicationId)}`);
    }
    if (version !== SQLITE_SCHEMA_VERSION) throw incompatibleSchema(file, version);
    return db;
  } catch (err) {
    db.close();
    if (sqliteCode(err) === 'SQLITE_NOTADB') {
      throw notAStateDatabase(file, 'it is not a SQLite database', err);
    }
    throw err;
  }
}

function openDatabase(
  file: string,
  folder: string,
  options: SqliteInstanceStoreOptions,
): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  } catch (err) {
    throw notWritable(folder, err);
  }
  try {
    checkOrCreateSchema(db, file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.durability === 'power' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StateStoreError) throw err;
    const code = sqliteCode(err);
    if (code === 'SQLITE_NOTADB') throw notAStateDatabase(file, 'it is not a SQLite database', err);
    if (code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN')) {
      throw notWritable(folder, err);
    }
    throw err;
  }
}

/** Create the schema in an empty file; refuse anything that is not this schema version. */
function checkOrCreateSchema(db: Database.Database, file: string): void {
  const applicationId = db.pragma('application_id', { simple: true });
  const version = db.pragma('user_version', { simple: true });
  const objects = db.prepare<[], number>('SELECT count(*) FROM sqlite_schema').pluck().get();
  if (applicationId === 0 && version === 0 && objects === 0) {
    // WAL first (it cannot change inside a transaction), then the schema and its marks at once.
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      db.exec(SCHEMA);
      db.pragma(`application_id = ${SQLITE_APPLICATION_ID}`);
      db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
    })();
    return;
  }
  if (applicationId !== SQLITE_APPLICATION_ID) {
    throw notAStateDatabase(file, `its application_id is ${String(applicationId)}`);
  }
  if (version !== SQLITE_SCHEMA_VERSION) throw incompatibleSchema(file, version);
}

// --- helpers ----------------------------------------------------------------------------------

function notWritable(folder: string, cause: unknown): StateStoreError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new StateStoreError(
    `The Durable state folder '${folder}' is not writable (${why}). Point the engine at a ` +
      'folder it can create and write.',
    'not-writable',
    { cause },
  );
}

function incompatibleSchema(file: string, version: unknown): StateStoreError {
  return new StateStoreError(
    `The Durable state database '${file}' has schema version ${String(version)}, but this ` +
      `engine reads version ${SQLITE_SCHEMA_VERSION}: it was written by another version of ` +
      "Surge's local runtime. Use that version, or delete the state folder to start afresh " +
      '(its instances are lost).',
    'incompatible-schema',
  );
}

function notAStateDatabase(file: string, why: string, cause?: unknown): StateStoreError {
  return new StateStoreError(
    `'${file}' is not a Surge Durable state database (${why}). Move it away or choose another ` +
      'state folder.',
    'not-a-state-database',
    cause === undefined ? undefined : { cause },
  );
}

function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** JSON text of a JSON-able value; `undefined` is stored as `null`. */
function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function eventText(event: HistoryEvent): string {
  return JSON.stringify(event);
}

function parseEvent(text: string): HistoryEvent {
  return JSON.parse(text) as HistoryEvent;
}
