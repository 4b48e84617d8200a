/**
 * The Durable client HTTP API, served by the local engine.
 *
 * durable-functions' `DurableClient` (from `df.getClient(context)`) sends every call to
 * `rpcBaseUrl` from the client binding data when it is set; URL shapes, bodies and status codes
 * here follow node_modules/durable-functions/lib/src/durableClient/DurableClient.js:
 *   POST   orchestrators/{name}[/{id}]            body = JSON input  → 202 + management payload (`id`)
 *   GET    instances/{id}[?showHistory&showInput] → 200 done, 202 running, 404 unknown
 *   GET    instances/[?filters]                   → 200 list, paged by `x-ms-continuation-token`
 *   POST   instances/{id}/raiseEvent/{event}      body = JSON data   → 202, 404, 410 finished
 *   POST   instances/{id}/terminate|suspend|resume?reason=…          → 202, 404, 410
 *   DELETE instances/{id}                         → 200 {instancesDeleted}, 404
 *   DELETE instances/[?filters]                   → 200 {instancesDeleted}, 404 when none
 * The same routes are served under `/runtime/webhooks/durabletask/`, where the links of
 * `createCheckStatusResponse` point (the Functions host front end forwards that prefix here).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DurableManagement, InstanceFilter, OrchestrationStatus } from './instances';
import { BadRequestError, DurableEngineError } from './errors';
import type { RuntimeStatus } from './store';

/** Path prefix of the RPC endpoint (`rpcBaseUrl`), as the Durable extension's local listener uses. */
const RPC_PREFIX = '/durabletask/';

/** Path prefix of the public webhook routes. */
const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask/';

/** Placeholder the management URLs carry for the instance id (the SDK replaces it). */
const INSTANCE_ID_PLACEHOLDER = 'INSTANCEID';

/** Default page size of instance listings. */
const DEFAULT_PAGE_SIZE = 100;

/** The durable client binding data (`durableClient` input) the SDK parses. */
export interface ClientBindingData {
  taskHubName: string;
  creationUrls: { createNewInstancePostUri: string; createAndWaitOnNewInstancePostUri: string };
  managementUrls: ManagementUrls;
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
}

/** Management links, with the instance id or its placeholder. */
export interface ManagementUrls {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

/** A running client API server. */
export interface ClientApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /**
   * Handle a request if it is a Durable API route (RPC or webhook); resolves false otherwise.
   * The local Functions host mounts this to serve `/runtime/webhooks/durabletask` itself.
   */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/** `&code=…` for links that must carry the system key, as the real host's do. */
function codeParam(systemKey: string | undefined): string {
  return systemKey === undefined ? '' : `&code=${encodeURIComponent(systemKey)}`;
}

function managementUrls(
  origin: string,
  taskHubName: string,
  id: string,
  systemKey?: string,
): ManagementUrls {
  const base = `${origin}${WEBHOOK_PREFIX}instances/${id}`;
  const q = `taskHub=${encodeURIComponent(taskHubName)}&connection=Storage${codeParam(systemKey)}`;
  return {
    id,
    statusQueryGetUri: `${base}?${q}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${base}/terminate?reason={text}&${q}`,
    rewindPostUri: `${base}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${base}?${q}`,
    restartPostUri: `${base}/restart?${q}`,
    suspendPostUri: `${base}/suspend?reason={text}&${q}`,
    resumePostUri: `${base}/resume?reason={text}&${q}`,
  };
}

/** Build the client binding data for a task hub, RPC endpoint and webhook origin. */
export function clientBindingData(opts: {
  taskHubName: string;
  /** Origin of the RPC endpoint, e.g. `http://127.0.0.1:51234`. */
  rpcBaseUrl: string;
  /** Origin the management links point at. */
  webhookOrigin: string;
  /** The Durable extension's system key, which every management link then carries. */
  systemKey?: string;
}): ClientBindingData {
  const origin = opts.webhookOrigin.replace(/\/+$/, '');
  const create = `${origin}${WEBHOOK_PREFIX}orchestrators/{functionName}[/{instanceId}]`;
  const code = codeParam(opts.systemKey);
  return {
    taskHubName: opts.taskHubName,
    creationUrls: {
      createNewInstancePostUri: code === '' ? create : `${create}?${code.slice(1)}`,
      createAndWaitOnNewInstancePostUri: `${create}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}${code}`,
    },
    managementUrls: managementUrls(
      origin,
      opts.taskHubName,
      INSTANCE_ID_PLACEHOLDER,
      opts.systemKey,
    ),
    baseUrl: `${origin}/runtime/webhooks/durabletask`,
    requiredQueryStringParameters: code.slice(1),
    rpcBaseUrl: `${opts.rpcBaseUrl.replace(/\/+$/, '')}${RPC_PREFIX}`,
  };
}

// --- request plumbing -----------------------------------------------------------------------------

const MAX_BODY_BYTES = 16 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A JSON request body as a value. The SDK posts `""` when startNew has no input (axios
 * JSON-encodes the empty string it passes), so an empty body and `""` both mean "no input".
 */
function parseJsonBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed === '""') return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    throw new BadRequestError('The request body is not valid JSON.');
  }
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': Buffer.byteLength(payload).toString(),
    ...headers,
  });
  res.end(payload);
}

const ALL_STATUSES: readonly RuntimeStatus[] = [
  'Pending',
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Terminated',
  'Suspended',
];

function parseFilter(query: URLSearchParams): InstanceFilter {
  const filter: {
    -readonly [K in keyof InstanceFilter]: InstanceFilter[K];
  } = {};
  const statuses = query.get('runtimeStatus');
  if (statuses) {
    const list = statuses.split(',').map((s) => s.trim());
    const bad = list.filter((s) => !ALL_STATUSES.includes(s as RuntimeStatus));
    if (bad.length > 0) throw new BadRequestError(`Unknown runtimeStatus: ${bad.join(', ')}`);
    filter.runtimeStatus = list as RuntimeStatus[];
  }
  for (const key of ['createdTimeFrom', 'createdTimeTo'] as const) {
    const value = query.get(key);
    if (value) {
      const t = Date.parse(value);
      if (Number.isNaN(t)) throw new BadRequestError(`${key} is not a date: ${value}`);
      filter[key] = t;
    }
  }
  const prefix = query.get('instanceIdPrefix');
  if (prefix) filter.instanceIdPrefix = prefix;
  filter.showInput = query.get('showInput') !== 'false';
  return filter;
}

function statusCodeFor(status: OrchestrationStatus, query: URLSearchParams): number {
  switch (status.runtimeStatus) {
    case 'Completed':
    case 'Terminated':
      return 200;
    case 'Failed':
      return query.get('returnInternalServerErrorOnFailure') === 'true' ? 500 : 200;
    default:
      return 202;
  }
}

function segmentsOf(pathname: string, prefix: string): string[] | undefined {
  if (!pathname.startsWith(prefix)) {
    return pathname === prefix.slice(0, -1) ? [] : undefined;
  }
  return pathname
    .slice(prefix.length)
    .split('/')
    .map((s) => decodeURIComponent(s));
}

/** Options of the client API. */
export interface ClientApiOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Page size of instance listings when the request has no `top`. Default 100. */
  readonly pageSize?: number;
  /**
   * The key the `/runtime/webhooks/durabletask/…` routes require, as the real host does: given the
   * request's headers and query (where its key is), the reason it is refused (401), or undefined
   * when it opens. Without it the routes are open (a bare engine in tests).
   */
  readonly webhookKey?: (
    headers: IncomingMessage['headers'],
    query: URLSearchParams,
  ) => string | undefined;
  /** The system key the management links handed out carry (with `webhookKey`). */
  readonly systemKey?: string;
}

/**
 * Whether a request comes from this machine. The RPC routes are what the Durable extension's
 * local listener serves to the worker on the same machine: nothing else may reach them without
 * the key the webhook routes ask for. (The in-process client has no socket: it is this process.)
 */
function fromLoopback(req: IncomingMessage): boolean {
  const address = (req.socket as { remoteAddress?: string } | undefined)?.remoteAddress;
  if (address === undefined) return req.socket === undefined;
  return /^(127\.|::1$|::ffff:127\.)/.test(address);
}

/**
 * Why a request may not use the API: an RPC route from another machine (403), or a webhook route
 * without the key `webhookKey` asks for (401); undefined when it may.
 */
function accessRefusal(
  req: IncomingMessage,
  query: URLSearchParams,
  rpc: boolean,
  options: ClientApiOptions,
): { status: number; message: string } | undefined {
  if (rpc) {
    return fromLoopback(req)
      ? undefined
      : {
          status: 403,
          message: `${RPC_PREFIX} serves this machine only, as the Durable extension's local listener does; use ${WEBHOOK_PREFIX} with the system key`,
        };
  }
  const message = options.webhookKey?.(req.headers, query);
  return message === undefined ? undefined : { status: 401, message };
}

/** A handler for the Durable API routes of `engine`, to mount in any node:http server. */
export function createClientApiHandler(
  engine: DurableManagement,
  publicOrigin: () => string,
  options: ClientApiOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rpc = segmentsOf(url.pathname, RPC_PREFIX);
    const segments = rpc ?? segmentsOf(url.pathname, WEBHOOK_PREFIX);
    if (segments === undefined) return false;
    const refused = accessRefusal(req, url.searchParams, rpc !== undefined, options);
    if (refused !== undefined) {
      send(res, refused.status, { message: refused.message });
      return true;
    }
    const origin = `http://${req.headers.host ?? new URL(publicOrigin()).host}`;
    const links = { origin, taskHubName: engine.taskHubName, systemKey: options.systemKey };
    try {
      await route(engine, req, res, segments, url.searchParams, links, pageSize);
    } catch (err) {
      if (err instanceof DurableEngineError) {
        send(res, err.status, { message: err.message });
      } else {
        send(res, 500, { message: err instanceof Error ? err.message : String(err) });
      }
    }
    return true;
  };
}

/** What the management links a response hands out are made of. */
interface Links {
  readonly origin: string;
  readonly taskHubName: string;
  readonly systemKey: string | undefined;
}

async function route(
  engine: DurableManagement,
  req: IncomingMessage,
  res: ServerResponse,
  segs: string[],
  query: URLSearchParams,
  at: Links,
  pageSize: number,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const [head, id, action, eventName, ...rest] = segs;
  const reason = query.get('reason') ?? undefined;

  if (head === 'orchestrators' && method === 'POST' && id && !eventName) {
    // orchestrators/{functionName}[/{instanceId}]
    const input = parseJsonBody(await readBody(req));
    const version = query.get('version');
    const instanceId = await engine.startNew(id, {
      ...(action ? { instanceId: action } : {}),
      input,
      ...(version ? { version } : {}),
    });
    const links = managementUrls(at.origin, at.taskHubName, instanceId, at.systemKey);
    send(res, 202, links, { location: links.statusQueryGetUri });
    return;
  }

  if (head === 'entities') {
    send(res, 501, { message: 'Durable entities are not supported by the local Durable engine.' });
    return;
  }

  if (head !== 'instances' || rest.length > 0) {
    send(res, 404, { message: `No Durable API route for ${method} /${segs.join('/')}` });
    return;
  }

  // instances/ (listing or purge by filter)
  if (!id) {
    if (method === 'GET') {
      listInstances(engine, req, res, query, pageSize);
      return;
    }
    if (method === 'DELETE') {
      const filter = parseFilter(query);
      const victims = engine
        .listInstances(filter)
        .filter((s) => ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus));
      for (const v of victims) await engine.purge(v.instanceId);
      if (victims.length === 0) send(res, 404, { message: 'No instances matched.' });
      else send(res, 200, { instancesDeleted: victims.length });
      return;
    }
  }

  if (id && !action) {
    if (method === 'GET') {
      const status = engine.getStatus(id, {
        showHistory: query.get('showHistory') === 'true',
        showInput: query.get('showInput') !== 'false',
      });
      if (!status) {
        send(res, 404, { message: `No instance with ID '${id}' found.` });
        return;
      }
      // The Durable HTTP API calls the history `historyEvents`; the SDK's status object reads
      // `history`. Serve both.
      const body = status.history ? { ...status, historyEvents: status.history } : status;
      const code = statusCodeFor(status, query);
      const links = managementUrls(at.origin, at.taskHubName, id, at.systemKey);
      send(
        res,
        code,
        body,
        code === 202 ? { location: links.statusQueryGetUri, 'retry-after': '10' } : {},
      );
      return;
    }
    if (method === 'DELETE') {
      const deleted = await engine.purge(id);
      if (deleted) send(res, 200, { instancesDeleted: 1 });
      else send(res, 404, { message: `No instance with ID '${id}' found.` });
      return;
    }
  }

  if (id && method === 'POST') {
    switch (action) {
      case 'raiseEvent': {
        if (!eventName) throw new BadRequestError('raiseEvent needs an event name');
        const data = parseJsonBody(await readBody(req));
        await engine.raiseEvent(id, eventName, data);
        send(res, 202);
        return;
      }
      case 'terminate':
        await engine.terminate(id, reason);
        send(res, 202);
        return;
      case 'suspend':
        await engine.suspend(id, reason);
        send(res, 202);
        return;
      case 'resume':
        await engine.resume(id, reason);
        send(res, 202);
        return;
      case 'rewind':
      case 'restart':
        send(res, 501, { message: `${action} is not supported by the local Durable engine.` });
        return;
      default:
        break;
    }
  }
  send(res, 404, { message: `No Durable API route for ${method} /${segs.join('/')}` });
}

function listInstances(
  engine: DurableManagement,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  pageSize: number,
): void {
  const all = engine.listInstances(parseFilter(query));
  const top = Number(query.get('top') ?? pageSize);
  if (!Number.isInteger(top) || top < 1)
    throw new BadRequestError('top must be a positive integer');
  const tokenHeader = req.headers['x-ms-continuation-token'];
  const token = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
  const offset = token ? decodeToken(token) : 0;
  const page = all.slice(offset, offset + top);
  const more = offset + top < all.length;
  send(res, 200, page, more ? { 'x-ms-continuation-token': encodeToken(offset + top) } : {});
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

function decodeToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'offset' in parsed) {
      const offset = parsed.offset;
      if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
    }
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('Invalid continuation token');
}

/** Serve the client API for `engine` on 127.0.0.1:`port` (0 = a free port). */
export async function startClientApi(
  engine: DurableManagement,
  options: ClientApiOptions = {},
): Promise<ClientApiServer> {
  let baseUrl = '';
  const handle = createClientApiHandler(engine, () => baseUrl, options);
  const server = createServer((req, res) => {
    handle(req, res).then(
      (handled) => {
        if (!handled) send(res, 404, { message: 'Not a Durable API route' });
      },
      (err: unknown) => {
        if (!res.headersSent)
          send(res, 500, { message: err instanceof Error ? err.message : String(err) });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    handle,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Node's global agent keeps connections alive; drop them so close() completes now.
        server.closeAllConnections();
      }),
  };
}
