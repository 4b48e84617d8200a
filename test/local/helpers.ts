/**
 * Shared helpers for the local runtime tests: a compact outline of histories (so whole histories
 * can be compared in one assertion), the instance stores the engine tests run against, and a
 * hand-written fake Durable RPC endpoint that records what the SDK's DurableClient sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEvent } from '../../local/durable/history';
import { EventType, eventTypeName } from '../../local/durable/history';
import { SqliteInstanceStore } from '../../local/durable/sqliteStore';
import type { InstanceState, InstanceStore } from '../../local/durable/store';
import { MemoryInstanceStore } from '../../local/durable/store';

/** Start of virtual time in the tests. */
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/**
 * One short line per history event, e.g. `TaskScheduled#0 hello`, `TimerFired#1`,
 * `EventRaised go`. Episode markers (OrchestratorStarted/Completed) are left out unless asked for.
 */
export function outline(
  events: readonly HistoryEvent[],
  options: { episodes?: boolean } = {},
): string[] {
  const lines: string[] = [];
  for (const e of events) {
    switch (e.EventType) {
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        if (options.episodes) lines.push(eventTypeName(e.EventType));
        break;
      case EventType.TaskScheduled:
        lines.push(`TaskScheduled#${e.EventId} ${e.Name}`);
        break;
      case EventType.SubOrchestrationInstanceCreated:
        lines.push(`SubOrchestrationCreated#${e.EventId} ${e.Name}`);
        break;
      case EventType.TimerCreated:
        lines.push(`TimerCreated#${e.EventId}`);
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed:
        lines.push(`${eventTypeName(e.EventType)}#${e.TaskScheduledId}`);
        break;
      case EventType.TimerFired:
        lines.push(`TimerFired#${e.TimerId}`);
        break;
      case EventType.EventRaised:
        lines.push(`EventRaised ${e.Name}`);
        break;
      case EventType.ExecutionCompleted:
        lines.push(`ExecutionCompleted ${e.OrchestrationStatus}`);
        break;
      default:
        lines.push(eventTypeName(e.EventType));
    }
  }
  return lines;
}

/**
 * Inputs (JSON text) of the `activityName` calls whose completion the states record — in the
 * history or still in the inbox — across all instances, sorted. What a store "says was completed".
 */
export function completedActivityInputs(
  states: readonly InstanceState[],
  activityName: string,
): string[] {
  const inputs: string[] = [];
  for (const state of states) {
    const scheduled = new Map<number, string>();
    for (const e of state.history) {
      if (e.EventType === EventType.TaskScheduled && e.Name === activityName) {
        scheduled.set(e.EventId, e.Input ?? '');
      }
    }
    for (const e of [...state.history, ...state.inbox]) {
      if (e.EventType !== EventType.TaskCompleted) continue;
      const input = scheduled.get(e.TaskScheduledId);
      if (input !== undefined) inputs.push(input);
    }
  }
  return inputs.sort();
}

/** How many times each string occurs, keys sorted (to compare whole tallies at once). */
export function tally(items: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of [...items].sort()) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

/** A fresh temporary folder, removed by `cleanUpTempFolders`. */
export function tempFolder(prefix = 'surge-durable-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  tempFolders.push(folder);
  return folder;
}

const tempFolders: string[] = [];
const openedStores: InstanceStore[] = [];

/** Close every store a StoreKind opened and remove the temporary folders (call in afterEach). */
export function cleanUpTempFolders(): void {
  for (const store of openedStores.splice(0)) store.close();
  for (const folder of tempFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/** A kind of instance store the engine tests run against. */
export interface StoreKind {
  readonly label: string;
  /** A new, empty store (closed by `cleanUpTempFolders`). */
  fresh(): InstanceStore;
  /**
   * What a restarted process would open: the same data through a new store object. A persistent
   * store is closed and opened again; the memory store can only be shared.
   */
  reopen(store: InstanceStore): InstanceStore;
}

function track<S extends InstanceStore>(store: S): S {
  openedStores.push(store);
  return store;
}

/** The memory store and the SQLite store (in a temporary folder). */
export const STORE_KINDS: readonly StoreKind[] = [
  {
    label: 'memory store',
    fresh: () => track(new MemoryInstanceStore()),
    reopen: (store) => store,
  },
  {
    label: 'SQLite store',
    fresh: () => track(new SqliteInstanceStore({ stateFolder: tempFolder() })),
    reopen: (store) => {
      if (!(store instanceof SqliteInstanceStore)) throw new Error('not a SqliteInstanceStore');
      store.close();
      return track(new SqliteInstanceStore({ stateFolder: store.stateFolder }));
    },
  },
];

/** A request the fake endpoint received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** Query parameters in order, as `key=value`. */
  readonly query: string[];
  readonly body: string;
  readonly contentType: string | undefined;
  readonly continuationToken: string | undefined;
}

/** How the fake endpoint answers one request. */
export interface ScriptedResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * A fake Durable RPC endpoint: records every request and answers from a queue of scripted
 * responses (default 200 `{}`), so tests can pin the exact URL shapes the SDK uses.
 */
export class FakeDurableEndpoint {
  readonly requests: RecordedRequest[] = [];
  readonly #responses: ScriptedResponse[] = [];
  readonly #server: Server;
  #baseUrl = '';

  constructor() {
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  /** `http://127.0.0.1:<port>`, once started. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** Listen on a free loopback port. */
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Queue the answers for the next requests. */
  respond(...responses: ScriptedResponse[]): void {
    this.#responses.push(...responses);
  }

  /** Forget recorded requests and queued answers. */
  reset(): void {
    this.requests.length = 0;
    this.#responses.length = 0;
  }

  /** Stop listening. */
  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.close((err) => (err ? reject(err) : resolve()));
      this.#server.closeAllConnections();
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const token = req.headers['x-ms-continuation-token'];
      this.requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: [...url.searchParams].map(([k, v]) => `${k}=${v}`),
        body: Buffer.concat(chunks).toString('utf8'),
        contentType: req.headers['content-type'],
        continuationToken: Array.isArray(token) ? token[0] : token,
      });
      const answer = this.#responses.shift() ?? { status: 200, body: {} };
      const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(answer.headers ?? {}),
      });
      res.end(payload);
    });
  }
}

/**
 * axios (used by the SDK's DurableClient) honours proxy variables; make sure loopback calls
 * never go to a proxy.
 */
export function bypassProxyForLoopback(): void {
  const entries = ['127.0.0.1', 'localhost'];
  for (const key of ['NO_PROXY', 'no_proxy']) {
    const current = (process.env[key] ?? '').split(',').filter((s) => s.length > 0);
    process.env[key] = [...new Set([...current, ...entries])].join(',');
  }
}
