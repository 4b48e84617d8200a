/**
 * What the local host's front end does per request (server.ts owns the listening socket), in
 * order: a CORS preflight; the Durable routes, handed to the engine's client API; the admin
 * routes (master key); and the function routes — resolve, check the key, read the body within the
 * limit, invoke through the library's invocation model and write the function's response.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FunctionRegistry, RegisteredFunction } from './functionsCore';
import {
  bindingsOfType,
  functionsWithTrigger,
  LOCAL_HOST_VERSION,
  triggerBinding,
} from './functionsCore';
import type { HttpInvokeResult } from './invoke';
import { errorMessage, invokeHttp } from './invoke';
import type { HostKeys } from './keys';
import { authorize, presentedKey } from './keys';
import type { HostLog } from './log';
import type { AuthLevel, HttpRoute, RouteResolution } from './routes';
import { parseRouteTemplate, RouteTable } from './routes';
import { isFunctionDisabled } from './settings';
import type { CorsOptions, Headers } from './httpIo';
import {
  BodyTooLarge,
  corsHeaders,
  flatHeaders,
  readBody,
  sendJson,
  sendProblem,
  writeFunctionResponse,
} from './httpIo';

/** What the admin route `POST /admin/functions/{name}` can run. */
export interface AdminInvoker {
  /** True when `name` is a function this invoker runs (a timer). */
  has(name: string): boolean;
  /** Start it; the route answers 202 without waiting. */
  run(name: string): Promise<unknown>;
}

/** Everything the handlers need, fixed when the server starts. */
export interface FrontEnd {
  readonly registry: FunctionRegistry;
  readonly keys: HostKeys;
  readonly log: HostLog;
  /** Route prefix without slashes; '' = none. */
  readonly routePrefix: string;
  readonly maxBody: number;
  readonly cors?: CorsOptions;
  readonly admin?: AdminInvoker;
  /** Wall-clock start, for the host status. */
  readonly startedAt: number;
  readonly routes: LiveRoutes;
  /** The server's origin (known once it listens). */
  origin(): string;
  /** Durable client binding data for functions with a durableClient input. */
  bindingData(): string;
  /** The engine's client API, when an engine is mounted: true when it answered the request. */
  readonly durable?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

const AUTH_LEVELS: ReadonlySet<string> = new Set(['anonymous', 'function', 'admin']);

function routeOf(fn: RegisteredFunction): HttpRoute {
  const binding = triggerBinding(fn).binding;
  const template = typeof binding.route === 'string' ? binding.route : fn.name;
  let route;
  try {
    route = parseRouteTemplate(template);
  } catch (err) {
    throw new Error(`Function "${fn.name}": ${errorMessage(err)}`, { cause: err });
  }
  const methods = Array.isArray(binding.methods)
    ? binding.methods.map((m) => String(m).toUpperCase())
    : undefined;
  // function.json's default is `function`; the library always writes one for app.http().
  const rawLevel = binding.authLevel === undefined ? 'function' : binding.authLevel;
  const level = typeof rawLevel === 'string' ? rawLevel.toLowerCase() : '';
  if (!AUTH_LEVELS.has(level)) {
    throw new Error(
      `Function "${fn.name}": authLevel ${JSON.stringify(rawLevel)} is not anonymous, function or admin`,
    );
  }
  return {
    functionName: fn.name,
    route,
    methods: methods && methods.length > 0 ? methods : undefined,
    authLevel: level as AuthLevel,
  };
}

/** The HTTP routes of the registered, enabled httpTrigger functions, following the registry. */
export class LiveRoutes {
  #table: RouteTable;
  #source: readonly RegisteredFunction[];

  /**
   * Checked now, so an invalid route template or auth level stops start-up naming the function;
   * afterwards functions registered later are picked up (and a bad one is logged, not served).
   */
  constructor(
    private readonly registry: FunctionRegistry,
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly log: HostLog,
  ) {
    this.#source = registry.list();
    this.#table = new RouteTable(
      functionsWithTrigger(registry, 'httpTrigger')
        .filter((fn) => !isFunctionDisabled(fn.name, env))
        .map(routeOf),
    );
  }

  /** The table for the functions registered now. */
  current(): RouteTable {
    const list = this.registry.list();
    if (list.length === this.#source.length && list.every((fn, i) => fn === this.#source[i])) {
      return this.#table;
    }
    this.#source = list;
    const routes: HttpRoute[] = [];
    for (const fn of functionsWithTrigger(this.registry, 'httpTrigger')) {
      if (isFunctionDisabled(fn.name, this.env)) continue;
      try {
        routes.push(routeOf(fn));
      } catch (err) {
        this.log('error', `${errorMessage(err)}; the function is not served`);
      }
    }
    this.#table = new RouteTable(routes);
    return this.#table;
  }
}

/** Answers one request (see the module comment). */
export async function handleRequest(
  front: FrontEnd,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  let url: URL;
  try {
    url = new URL(req.url ?? '/', req.headers.host ? `http://${req.headers.host}` : front.origin());
  } catch {
    sendProblem(res, 400, 'malformed request URL or Host header');
    return;
  }
  const originHeader = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  const cors = corsHeaders(front.cors, originHeader);
  if (
    front.cors &&
    method === 'OPTIONS' &&
    originHeader &&
    req.headers['access-control-request-method']
  ) {
    preflight(req, res, cors);
    return;
  }
  if (front.durable && (await front.durable(req, res))) return;
  if (/^\/admin(\/|$)/i.test(url.pathname)) {
    handleAdmin(front, req, res, url, method, cors);
    return;
  }
  await handleFunction(front, { req, res, url, method, cors });
}

/** A CORS preflight: 204, with the allow headers when the origin is allowed. */
function preflight(req: IncomingMessage, res: ServerResponse, cors: Headers): void {
  const requestedHeaders = req.headers['access-control-request-headers'];
  res.writeHead(204, {
    ...cors,
    ...(Object.keys(cors).length > 0
      ? {
          'access-control-allow-methods': String(req.headers['access-control-request-method']),
          ...(requestedHeaders ? { 'access-control-allow-headers': String(requestedHeaders) } : {}),
          'access-control-max-age': '86400',
        }
      : {}),
  });
  res.end();
}

/** `GET /admin/host/status` and `POST /admin/functions/{name}`, with the master key. */
function handleAdmin(
  front: FrontEnd,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
  cors: Headers,
): void {
  const auth = authorize(front.keys, 'admin', presentedKey(req.headers, url.searchParams));
  if (!auth.ok) {
    sendProblem(res, 401, auth.reason, cors);
    return;
  }
  const segments = url.pathname.split('/').filter((s) => s.length > 0);
  if (segments[1] === 'host' && segments[2] === 'status' && segments.length === 3) {
    if (method !== 'GET') {
      sendProblem(res, 405, `${method} is not allowed here`, { ...cors, allow: 'GET' });
      return;
    }
    const status = {
      state: 'Running',
      version: LOCAL_HOST_VERSION,
      processUptime: Date.now() - front.startedAt,
    };
    sendJson(res, 200, status, cors);
    return;
  }
  if (segments[1] === 'functions' && segments.length === 3) {
    runAdmin(front, res, decodeURIComponent(segments[2] ?? ''), method, cors);
    return;
  }
  sendProblem(res, 404, `no admin route ${url.pathname}`, cors);
}

/** Runs a timer function now: 202, the run goes on in the background (as the host does). */
function runAdmin(
  front: FrontEnd,
  res: ServerResponse,
  name: string,
  method: string,
  cors: Headers,
): void {
  if (method !== 'POST') {
    sendProblem(res, 405, `${method} is not allowed here`, { ...cors, allow: 'POST' });
    return;
  }
  if (!front.registry.get(name)) {
    sendProblem(res, 404, `no function named "${name}"`, cors);
    return;
  }
  if (!front.admin?.has(name)) {
    sendProblem(res, 400, `"${name}" is not a timer function; only timers can be run here`, cors);
    return;
  }
  front.admin.run(name).catch((err: unknown) => {
    front.log('error', `Admin run of ${name} failed: ${errorMessage(err)}`);
  });
  res.writeHead(202, { ...cors, 'content-length': '0' });
  res.end();
}

/** One function request as the handlers pass it on. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly method: string;
  readonly cors: Headers;
}

/** A function route: resolved, authorized, its body read, invoked, its response written. */
async function handleFunction(front: FrontEnd, x: Exchange): Promise<void> {
  const resolved = resolveFunction(front, x);
  if (resolved === undefined) return;
  const body = await readBodyOr413(front, x);
  if (body === undefined) return;
  const fn = front.registry.get(resolved.route.functionName);
  if (!fn) {
    // Unregistered between resolving and now.
    sendProblem(x.res, 404, `no function route at ${x.url.pathname}`, x.cors);
    return;
  }
  const result = await invoke(front, x, fn, resolved.params, body);
  if (result !== undefined) writeFunctionResponse(x.req, x.res, result, x.cors);
}

/** The route of a request with its parameters, or undefined after answering 404, 405 or 401. */
function resolveFunction(
  front: FrontEnd,
  { req, res, url, method, cors }: Exchange,
): Extract<RouteResolution, { kind: 'match' }> | undefined {
  const path = stripPrefix(front.routePrefix, url.pathname);
  const resolution = path === undefined ? undefined : front.routes.current().resolve(method, path);
  if (resolution === undefined || resolution.kind === 'notFound') {
    sendProblem(res, 404, `no function route at ${url.pathname}`, cors);
    return undefined;
  }
  if (resolution.kind === 'methodNotAllowed') {
    const allow = resolution.allow.join(', ');
    sendProblem(res, 405, `${method} is not allowed on ${url.pathname}`, { ...cors, allow });
    return undefined;
  }
  const key = presentedKey(req.headers, url.searchParams);
  const auth = authorize(front.keys, resolution.route.authLevel, key);
  if (!auth.ok) {
    sendProblem(res, 401, auth.reason, cors);
    return undefined;
  }
  return resolution;
}

/** The path after the route prefix, or undefined when the path is not under it. */
function stripPrefix(routePrefix: string, pathname: string): string | undefined {
  if (routePrefix.length === 0) return pathname.replace(/^\/+/, '');
  const lower = pathname.toLowerCase();
  const prefix = `/${routePrefix.toLowerCase()}`;
  if (lower === prefix || lower === `${prefix}/`) return '';
  return lower.startsWith(`${prefix}/`) ? pathname.slice(prefix.length + 1) : undefined;
}

/** The request body, or undefined after answering 413 (declared or actual size over the limit). */
async function readBodyOr413(
  front: FrontEnd,
  { req, res, cors }: Exchange,
): Promise<Buffer | undefined> {
  const tooLarge = () =>
    sendProblem(res, 413, `request body over ${front.maxBody} bytes`, {
      ...cors,
      connection: 'close',
    });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (Number.isFinite(declared) && declared > front.maxBody) {
    tooLarge();
    return undefined;
  }
  try {
    return await readBody(req, front.maxBody);
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err;
    tooLarge();
    return undefined;
  }
}

/**
 * Invokes the function; a handler that throws gives 500 (the message is logged with the
 * invocation id, the client only gets the id) and undefined.
 */
async function invoke(
  front: FrontEnd,
  { req, res, url, method, cors }: Exchange,
  fn: RegisteredFunction,
  params: Readonly<Record<string, string>>,
  body: Buffer,
): Promise<HttpInvokeResult | undefined> {
  const invocationId = randomUUID();
  const started = performance.now();
  const ms = () => (performance.now() - started).toFixed(1);
  try {
    const result = await invokeHttp(
      front.registry,
      fn.name,
      {
        method,
        url: url.href,
        headers: flatHeaders(req),
        ...(body.length > 0 ? { body } : {}),
        params,
      },
      { invocationId, ...(hasDurableClient(fn) ? { durableClient: front.bindingData() } : {}) },
    );
    front.log(
      'debug',
      `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${ms()}ms) ${method} ${url.pathname} → ${result.status}`,
    );
    return result;
  } catch (err) {
    front.log(
      'error',
      `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${ms()}ms): ${errorMessage(err)}`,
    );
    sendProblem(res, 500, `function "${fn.name}" failed; see the host log`, cors, { invocationId });
    return undefined;
  }
}

function hasDurableClient(fn: RegisteredFunction): boolean {
  return bindingsOfType(fn, 'durableClient').length > 0;
}
