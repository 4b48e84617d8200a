/**
 * The SQLite instance store on its own: exact round trips (also through a reopened file), history
 * appends and rewrites, ordering and the engine's queries, transactions, and the errors for
 * folders and files it cannot use.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../local/durable/history';
import { h } from '../../local/durable/history';
import type { StateStoreProblem } from '../../local/durable/sqliteStore';
import {
  DEFAULT_DATABASE_FILE,
  SQLITE_APPLICATION_ID,
  SQLITE_SCHEMA_VERSION,
  SqliteInstanceStore,
  StateStoreError,
} from '../../local/durable/sqliteStore';
import type { InstanceState } from '../../local/durable/store';
import { cleanUpTempFolders, T0, tempFolder } from './helpers';

const opened: SqliteInstanceStore[] = [];

function openStore(folder: string): SqliteInstanceStore {
  const store = new SqliteInstanceStore({ stateFolder: folder });
  opened.push(store);
  return store;
}

/** Close `store` and open the same folder again, as a restarted process would. */
function reopen(store: SqliteInstanceStore): SqliteInstanceStore {
  store.close();
  return openStore(store.stateFolder);
}

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  cleanUpTempFolders();
});

/** A state with a little of everything; `overrides` replace fields. */
function sampleState(overrides: Partial<InstanceState> = {}): InstanceState {
  return {
    instanceId: 'i-1',
    name: 'fanOut',
    input: { n: 3, tags: ['a', 'b'] },
    output: null,
    customStatus: null,
    runtimeStatus: 'Pending',
    createdTime: T0,
    lastUpdatedTime: T0,
    execution: 1,
    epoch: 1,
    history: [],
    inbox: [h.executionStarted(T0, { name: 'fanOut', input: { n: 3 }, instanceId: 'i-1' })],
    timers: [],
    activities: [],
    waitingForEvents: [],
    ...overrides,
  };
}

const started = h.executionStarted(T0, { name: 'fanOut', input: { n: 3 }, instanceId: 'i-1' });
const runningHistory: HistoryEvent[] = [
  h.orchestratorStarted(T0),
  { ...started, IsPlayed: false },
  h.taskScheduled(T0, 0, 'square', 1),
  h.taskScheduled(T0, 1, 'square', 2),
  h.timerCreated(T0, 2, T0 + 60_000),
  h.orchestratorCompleted(T0),
];

describe('SqliteInstanceStore round trip', () => {
  it.each([
    { label: 'a new instance', state: sampleState() },
    {
      label: 'a running instance with history, inbox, activities, timers, parent, custom status',
      state: sampleState({
        runtimeStatus: 'Running',
        customStatus: { stage: 'fanning out', done: 0 },
        lastUpdatedTime: T0 + 5,
        parent: { instanceId: 'p-1', name: 'parent', taskId: 4, execution: 2 },
        history: runningHistory,
        inbox: [h.taskCompleted(T0 + 5, 0, 1), h.eventRaised(T0 + 6, 'go', { x: 1 })],
        activities: [
          { id: 1, name: 'square', inputJson: '2' },
          { id: 3, name: 'noInput' },
        ],
        timers: [{ id: 2, fireAt: T0 + 60_000 }],
        waitingForEvents: ['go'],
        epoch: 7,
        execution: 3,
      }),
    },
    {
      label: 'a finished instance with output and no pending work',
      state: sampleState({
        runtimeStatus: 'Completed',
        output: [1, 4, 9],
        customStatus: 'done',
        history: [...runningHistory, h.executionCompleted(T0 + 9, 'Completed', [1, 4, 9])],
        inbox: [],
      }),
    },
  ])('$label', ({ state }) => {
    const store = openStore(tempFolder());
    store.put(state);
    const afterPut = store.get(state.instanceId);
    const afterReopen = reopen(store).get(state.instanceId);
    expect({ afterPut, afterReopen }).toEqual({ afterPut: state, afterReopen: state });
  });

  it('keeps a history through appends, a new execution and a replaced history', () => {
    const store = openStore(tempFolder());
    const [e0, e1, e2, e3] = runningHistory as [
      HistoryEvent,
      HistoryEvent,
      HistoryEvent,
      HistoryEvent,
    ];
    const steps: { label: string; history: HistoryEvent[] }[] = [
      { label: 'first events', history: [e0, e1] },
      { label: 'appended', history: [e0, e1, e2, e3] },
      { label: 'unchanged', history: [e0, e1, e2, e3] },
      { label: 'a new execution starts empty', history: [] },
      { label: 'its first events', history: [e0, e2] },
      { label: 'same length, other events', history: [e1, e3] },
      { label: 'shorter', history: [e1] },
    ];
    const seen = steps.map((step) => {
      store.put(sampleState({ history: step.history }));
      return { label: step.label, history: store.get('i-1')?.history };
    });
    expect(seen).toEqual(steps);
    expect(reopen(store).get('i-1')?.history).toEqual([e1]);
  });
});

describe('SqliteInstanceStore queries', () => {
  it('lists oldest first, active ones apart, and finds the next timer of an active instance', () => {
    const store = openStore(tempFolder());
    store.put(sampleState({ instanceId: 'a', runtimeStatus: 'Running' }));
    store.put(
      sampleState({
        instanceId: 'b',
        runtimeStatus: 'Completed',
        timers: [{ id: 0, fireAt: T0 + 10 }], // ignored: the instance is finished
      }),
    );
    store.put(sampleState({ instanceId: 'c', timers: [{ id: 1, fireAt: T0 + 300 }] }));
    store.put(sampleState({ instanceId: 'd', runtimeStatus: 'Suspended' }));
    const snapshot = (): Record<string, unknown> => ({
      all: store.list().map((s) => s.instanceId),
      active: store.listActive().map((s) => s.instanceId),
      nextTimerAt: store.nextTimerAt(),
    });
    const initially = snapshot();
    store.put(sampleState({ instanceId: 'a', runtimeStatus: 'Running', timers: [] })); // an update
    const afterUpdate = snapshot();
    const deleted = [store.delete('a'), store.delete('a')];
    store.put(sampleState({ instanceId: 'a', timers: [{ id: 0, fireAt: T0 + 200 }] }));
    const afterRecreate = snapshot();
    expect({ initially, afterUpdate, deleted, afterRecreate }).toEqual({
      initially: { all: ['a', 'b', 'c', 'd'], active: ['a', 'c', 'd'], nextTimerAt: T0 + 300 },
      afterUpdate: { all: ['a', 'b', 'c', 'd'], active: ['a', 'c', 'd'], nextTimerAt: T0 + 300 },
      deleted: [true, false],
      afterRecreate: { all: ['b', 'c', 'd', 'a'], active: ['c', 'd', 'a'], nextTimerAt: T0 + 200 },
    });
  });

  it('deletes an instance with all its rows', () => {
    const store = openStore(tempFolder());
    store.put(
      sampleState({
        history: runningHistory,
        activities: [{ id: 1, name: 'square' }],
        timers: [{ id: 2, fireAt: T0 }],
      }),
    );
    store.delete('i-1');
    store.close();
    const db = new Database(join(store.stateFolder, DEFAULT_DATABASE_FILE), { readonly: true });
    try {
      const rows = ['instances', 'history', 'inbox', 'activities', 'timers'].map((table) => [
        table,
        db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(),
      ]);
      expect(Object.fromEntries(rows)).toEqual({
        instances: 0,
        history: 0,
        inbox: 0,
        activities: 0,
        timers: 0,
      });
    } finally {
      db.close();
    }
  });
});

describe('SqliteInstanceStore transactions', () => {
  it.each([
    {
      label: 'a throw undoes every put and delete in the transaction',
      run: (store: SqliteInstanceStore) => {
        try {
          store.transaction(() => {
            store.put(sampleState({ instanceId: 'new' }));
            store.put(sampleState({ instanceId: 'old', runtimeStatus: 'Running' }));
            store.delete('gone');
            throw new Error('crash');
          });
        } catch {
          // expected
        }
      },
      expected: ['gone Pending', 'old Pending'],
    },
    {
      label: 'a nested transaction commits with the outer one',
      run: (store: SqliteInstanceStore) => {
        store.transaction(() => {
          store.put(sampleState({ instanceId: 'new' }));
          store.transaction(() => store.delete('gone'));
        });
      },
      expected: ['old Pending', 'new Pending'],
    },
    {
      label: 'a nested throw caught by the outer undoes only the nested part',
      run: (store: SqliteInstanceStore) => {
        store.transaction(() => {
          store.put(sampleState({ instanceId: 'new' }));
          try {
            store.transaction(() => {
              store.delete('gone');
              throw new Error('inner');
            });
          } catch {
            // expected
          }
        });
      },
      expected: ['gone Pending', 'old Pending', 'new Pending'],
    },
  ])('$label', ({ run, expected }) => {
    const store = openStore(tempFolder());
    store.put(sampleState({ instanceId: 'gone' }));
    store.put(sampleState({ instanceId: 'old' }));
    run(store);
    const ids = reopen(store)
      .list()
      .map((s) => `${s.instanceId} ${s.runtimeStatus}`);
    expect(ids).toEqual(expected);
  });

  it('returns what the change returns', () => {
    const store = openStore(tempFolder());
    expect(store.transaction(() => 42)).toBe(42);
  });
});

describe('SqliteInstanceStore files and folders', () => {
  it('creates the folder and a WAL database marked with the application id and schema version', () => {
    const folder = join(tempFolder(), 'nested', '.state');
    openStore(folder).close();
    const db = new Database(join(folder, DEFAULT_DATABASE_FILE), { readonly: true });
    try {
      expect({
        applicationId: db.pragma('application_id', { simple: true }),
        version: db.pragma('user_version', { simple: true }),
        journal: db.pragma('journal_mode', { simple: true }),
        tables: db
          .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
          .pluck()
          .all(),
      }).toEqual({
        applicationId: SQLITE_APPLICATION_ID,
        version: SQLITE_SCHEMA_VERSION,
        journal: 'wal',
        tables: ['activities', 'history', 'inbox', 'instances', 'timers'],
      });
    } finally {
      db.close();
    }
  });

  it.each([
    {
      label: 'the state folder is a file',
      prepare: (root: string) => {
        writeFileSync(join(root, 'state'), 'not a folder');
        return join(root, 'state');
      },
      problem: 'not-writable',
      message: /state' is not writable \(.*EEXIST.*\)\. Point the engine at a folder/,
    },
    {
      label: 'the state folder would be under a file',
      prepare: (root: string) => {
        writeFileSync(join(root, 'file'), '');
        return join(root, 'file', 'state');
      },
      problem: 'not-writable',
      message: /is not writable \(.*ENOTDIR/,
    },
    {
      label: 'the database file holds something else',
      prepare: (root: string) => {
        writeFileSync(join(root, DEFAULT_DATABASE_FILE), 'x'.repeat(4096));
        return root;
      },
      problem: 'not-a-state-database',
      message: /is not a Surge Durable state database \(it is not a SQLite database\)/,
    },
    {
      label: "another application's SQLite database",
      prepare: (root: string) => {
        const db = new Database(join(root, DEFAULT_DATABASE_FILE));
        db.exec('CREATE TABLE notes (text TEXT)');
        db.close();
        return root;
      },
      problem: 'not-a-state-database',
      message: /not a Surge Durable state database \(its application_id is 0\)/,
    },
    {
      label: 'a state database of another schema version',
      prepare: (root: string) => {
        openStore(root).close();
        const db = new Database(join(root, DEFAULT_DATABASE_FILE));
        db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
        db.close();
        return root;
      },
      problem: 'incompatible-schema',
      message: new RegExp(
        `has schema version ${SQLITE_SCHEMA_VERSION + 1}, but this engine reads version ` +
          `${SQLITE_SCHEMA_VERSION}.*delete the state folder`,
      ),
    },
    {
      label: 'another store holds the folder',
      prepare: (root: string) => {
        openStore(root);
        return root;
      },
      problem: 'in-use',
      message: /is in use by another engine/,
    },
  ])('refuses to open: $label', ({ prepare, problem, message }) => {
    const folder = prepare(tempFolder());
    expect(storeError(() => openStore(folder))).toEqual({
      problem,
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('a read-only store sees what a running store commits, and refuses to write', () => {
    const folder = tempFolder();
    const writer = openStore(folder);
    writer.put(sampleState({ instanceId: 'a' }));
    const reader = new SqliteInstanceStore({ stateFolder: folder, readOnly: true });
    opened.push(reader);
    const before = reader.list().map((s) => s.instanceId);
    writer.put(sampleState({ instanceId: 'b' }));
    expect({
      before,
      after: reader.list().map((s) => s.instanceId),
      put: storeError(() => reader.put(sampleState({ instanceId: 'c' }))).problem,
      delete: storeError(() => reader.delete('a')).problem,
    }).toEqual({ before: ['a'], after: ['a', 'b'], put: 'read-only', delete: 'read-only' });
  });

  it('releases the folder on close, and refuses use after it', () => {
    const folder = tempFolder();
    const first = openStore(folder);
    first.put(sampleState());
    first.close();
    first.close(); // idempotent
    const second = openStore(folder);
    expect({
      closedGet: storeError(() => first.get('i-1')),
      reopened: second.get('i-1')?.instanceId,
      isOpen: [first.isOpen, second.isOpen],
    }).toEqual({
      closedGet: { problem: 'closed', message: expect.stringContaining('is closed') as unknown },
      reopened: 'i-1',
      isOpen: [false, true],
    });
  });
});

/** The StateStoreError `call` throws, as plain data (to compare whole results). */
function storeError(call: () => unknown): { problem: StateStoreProblem; message: string } {
  try {
    call();
  } catch (err) {
    if (err instanceof StateStoreError) return { problem: err.problem, message: err.message };
    throw err;
  }
  throw new Error('expected a StateStoreError');
}
