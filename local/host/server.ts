/**
 * The local host's HTTP front end (node:http): every registered httpTrigger at
 * `http://{host}:{port}/{routePrefix}/{route}`, the Durable client API of the engine, and two
 * admin routes. What it does per request, in order:
 *
 * 1. CORS preflight (only when CORS origins are configured, from `Host.CORS`).
 * 2. Durable routes — the RPC base path the durable client binding points at (`/durabletask/…`)
 *    and the public `/runtime/webhooks/durabletask/…` — handed to the engine's client API
 *    handler. They need no key (Core Tools does not check them either; bind to loopback).
 * 3. Admin routes (master key): `GET /admin/host/status`, `POST /admin/functions/{name}` (runs a
 *    timer function now, 202).
 * 4. Function routes: strip the route prefix, resolve the route (404 when nothing matches, 405
 *    with `Allow` when the path matches but not the method), check the key for the auth level
 *    (401), read the body (413 above the limit), invoke through the library's invocation model
 *    (`invokeHttp`), and write the function's response. A handler that throws gives 500; the
 *    message is logged with the invocation id, the client only gets the id.
 *
 * Problems are JSON `{error: {status, reason}}`, the shape Surge's own functions answer with.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { clientBindingData, createClientApiHandler } from '../durable/clientApi';
import type { DurableEngine } from '../durable/engine';
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
import { quietHostLog } from './log';
import type { AuthLevel, HttpRoute } from './routes';
import { parseRouteTemplate, RouteTable } from './routes';
import { isFunctionDisabled } from './settings';

/** Largest request body accepted by default: 100 MiB, Azure's limit for HTTP triggers. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;

/** CORS as `Host.CORS` / `Host.CORSCredentials` configure it. */
export interface CorsOptions {
  /** Allowed origins; `*` allows any. */
  readonly origins: readonly string[];
  readonly credentials?: boolean;
}

/** What the admin route `POST /admin/functions/{name}` can run. */
export interface AdminInvoker {
  /** True when `name` is a function this invoker runs (a timer). */
  has(name: string): boolean;
  /** Start it; the route answers 202 without waiting. */
  run(name: string): Promise<unknown>;
}

/** How to start the front end. */
export interface HostServerOptions {
  readonly registry: FunctionRegistry;
  readonly keys: HostKeys;
  /** Route prefix without slashes; `''` = none. Default `api`. */
  readonly routePrefix?: string;
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** 0 = a free port. Default 7071. */
  readonly port?: number;
  /** Mounts its client API and feeds `durableClient` inputs. */
  readonly engine?: DurableEngine;
  readonly maxRequestBodyBytes?: number;
  readonly cors?: CorsOptions;
  readonly admin?: AdminInvoker;
  /** App settings, for `AzureWebJobs.<name>.Disabled`. Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: HostLog;
}

/** A listening front end. */
export interface HostServer {
  /** Origin, e.g. `http://127.0.0.1:7071`. */
  readonly url: string;
  readonly port: number;
  readonly routePrefix: string;
  /** The HTTP routes served now, in precedence order. */
  routes(): readonly HttpRoute[];
  /** The URL of a route template with parameters filled in (`{name}` → value). */
  functionUrl(route: HttpRoute, params?: Readonly<Record<string, string>>): string;
  /** Durable client binding data (JSON) pointing at this server; throws without an engine. */
  clientBindingData(): string;
  /** Stop listening and drop open connections. Idempotent. */
  close(): Promise<void>;
}

/** The JSON problem body Surge uses everywhere (`shared/webhooks/body.ts` `problem()`). */
export function problemBody(
  status: number,
  reason: string,
  extra?: Readonly<Record<string, unknown>>,
): { error: Record<string, unknown> } {
  return { error: { ...extra, status, reason } };
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

/**
 * The HTTP routes of the registered, enabled httpTrigger functions. Throws (naming the function)
 * for an invalid route template or auth level.
 */
export function httpRoutes(
  registry: FunctionRegistry,
  env: Readonly<Record<string, string | undefined>> = process.env,
): HttpRoute[] {
  return functionsWithTrigger(registry, 'httpTrigger')
    .filter((fn) => !isFunctionDisabled(fn.name, env))
    .map(routeOf);
}

// ---------------------------------------------------------------------------------------------
// Request and response plumbing

type Headers = Record<string, string | string[]>;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(payload.length),
  });
  res.end(payload);
}

function sendProblem(
  res: ServerResponse,
  status: number,
  reason: string,
  headers: Headers = {},
  extra?: Record<string, unknown>,
): void {
  sendJson(res, status, problemBody(status, reason, extra), headers);
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Request headers as one string per name (repeated headers joined with `, `, as HTTP allows). */
function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

interface RpcCookie {
  name?: string;
  value?: string;
  domain?: { value?: string } | null;
  path?: { value?: string } | null;
  expires?: { value?: { seconds?: number | string } } | null;
  secure?: { value?: boolean } | null;
  httpOnly?: { value?: boolean } | null;
  sameSite?: string | number | null;
  maxAge?: { value?: number } | null;
}

const SAME_SITE: Record<string, string> = { lax: 'Lax', strict: 'Strict', explicitNone: 'None' };

/** One `Set-Cookie` value from a worker-protocol cookie (what `toRpcHttpCookie` produces). */
export function formatSetCookie(cookie: unknown): string | undefined {
  const c = cookie as RpcCookie;
  if (typeof c?.name !== 'string' || c.name.length === 0) return undefined;
  const parts = [`${c.name}=${encodeURIComponent(c.value ?? '')}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  const seconds = Number(c.expires?.value?.seconds);
  if (Number.isFinite(seconds) && seconds > 0) {
    parts.push(`Expires=${new Date(seconds * 1000).toUTCString()}`);
  }
  if (typeof c.maxAge?.value === 'number') parts.push(`Max-Age=${Math.trunc(c.maxAge.value)}`);
  if (c.secure?.value) parts.push('Secure');
  if (c.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = typeof c.sameSite === 'string' ? SAME_SITE[c.sameSite] : undefined;
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

function writeFunctionResponse(
  req: IncomingMessage,
  res: ServerResponse,
  result: HttpInvokeResult,
  extraHeaders: Headers,
): void {
  const headers: Headers = { ...extraHeaders };
  for (const [name, value] of Object.entries(result.headers)) {
    // Recomputed below from the body actually sent.
    if (name === 'content-length' || name === 'transfer-encoding') continue;
    headers[name] = value;
  }
  const cookies = result.cookies.flatMap((c) => formatSetCookie(c) ?? []);
  if (cookies.length > 0) {
    const existing = headers['set-cookie'];
    headers['set-cookie'] = [...(existing === undefined ? [] : [existing].flat()), ...cookies];
  }
  const noBody = req.method === 'HEAD' || result.status === 204 || result.status === 304;
  if (!noBody) headers['content-length'] = String(result.rawBody.length);
  res.writeHead(result.status, headers);
  res.end(noBody ? undefined : result.rawBody);
}

function corsHeaders(cors: CorsOptions | undefined, origin: string | undefined): Headers {
  if (!cors || !origin) return {};
  const any = cors.origins.includes('*');
  const allowed = any || cors.origins.some((o) => o.toLowerCase() === origin.toLowerCase());
  if (!allowed) return {};
  const headers: Headers = {
    // `*` cannot be combined with credentials: echo the origin then.
    'access-control-allow-origin': any && !cors.credentials ? '*' : origin,
    vary: 'Origin',
  };
  if (cors.credentials) headers['access-control-allow-credentials'] = 'true';
  return headers;
}

function hasDurableClient(fn: RegisteredFunction): boolean {
  return bindingsOfType(fn, 'durableClient').length > 0;
}

function originFor(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

// ---------------------------------------------------------------------------------------------
// The server

/**
 * Start the front end. Route templates and auth levels are checked first: an invalid one stops
 * start-up with an error naming the function. Functions registered later are picked up on the
 * next request.
 */
export async function startHostServer(options: HostServerOptions): Promise<HostServer> {
  const registry = options.registry;
  const env = options.env ?? process.env;
  const log = options.log ?? quietHostLog;
  const routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const maxBody = options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
  const bindHost = options.host ?? '127.0.0.1';
  const startedAt = Date.now();

  // Checked now so a bad template fails start-up; afterwards the table follows the registry.
  let table = new RouteTable(httpRoutes(registry, env));
  let tableSource = registry.list();
  const currentTable = (): RouteTable => {
    const list = registry.list();
    if (list.length === tableSource.length && list.every((fn, i) => fn === tableSource[i])) {
      return table;
    }
    tableSource = list;
    const routes: HttpRoute[] = [];
    for (const fn of functionsWithTrigger(registry, 'httpTrigger')) {
      if (isFunctionDisabled(fn.name, env)) continue;
      try {
        routes.push(routeOf(fn));
      } catch (err) {
        log('error', `${errorMessage(err)}; the function is not served`);
      }
    }
    table = new RouteTable(routes);
    return table;
  };

  let origin = '';
  let bindingJson: string | undefined;
  const engine = options.engine;
  const durableHandler = engine ? createClientApiHandler(engine, () => origin) : undefined;
  const bindingData = (): string => {
    if (!engine) throw new Error('No Durable engine is mounted on this host');
    bindingJson ??= JSON.stringify(
      clientBindingData({
        taskHubName: engine.taskHubName,
        rpcBaseUrl: origin,
        webhookOrigin: origin,
      }),
    );
    return bindingJson;
  };

  const stripPrefix = (pathname: string): string | undefined => {
    if (routePrefix.length === 0) return pathname.replace(/^\/+/, '');
    const lower = pathname.toLowerCase();
    const prefix = `/${routePrefix.toLowerCase()}`;
    if (lower === prefix || lower === `${prefix}/`) return '';
    return lower.startsWith(`${prefix}/`) ? pathname.slice(prefix.length + 1) : undefined;
  };

  const handleAdmin = (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    cors: Headers,
  ): void => {
    const auth = authorize(options.keys, 'admin', presentedKey(req.headers, url.searchParams));
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
      sendJson(
        res,
        200,
        { state: 'Running', version: LOCAL_HOST_VERSION, processUptime: Date.now() - startedAt },
        cors,
      );
      return;
    }
    if (segments[1] === 'functions' && segments.length === 3) {
      const name = decodeURIComponent(segments[2] ?? '');
      if (method !== 'POST') {
        sendProblem(res, 405, `${method} is not allowed here`, { ...cors, allow: 'POST' });
        return;
      }
      if (!registry.get(name)) {
        sendProblem(res, 404, `no function named "${name}"`, cors);
        return;
      }
      if (!options.admin?.has(name)) {
        sendProblem(
          res,
          400,
          `"${name}" is not a timer function; only timers can be run here`,
          cors,
        );
        return;
      }
      // As the host: accepted now, run in the background.
      options.admin.run(name).catch((err: unknown) => {
        log('error', `Admin run of ${name} failed: ${errorMessage(err)}`);
      });
      res.writeHead(202, { ...cors, 'content-length': '0' });
      res.end();
      return;
    }
    sendProblem(res, 404, `no admin route ${url.pathname}`, cors);
  };

  const handleFunction = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    cors: Headers,
  ): Promise<void> => {
    const path = stripPrefix(url.pathname);
    if (path === undefined) {
      sendProblem(res, 404, `no function route at ${url.pathname}`, cors);
      return;
    }
    const resolution = currentTable().resolve(method, path);
    if (resolution.kind === 'notFound') {
      sendProblem(res, 404, `no function route at ${url.pathname}`, cors);
      return;
    }
    if (resolution.kind === 'methodNotAllowed') {
      sendProblem(res, 405, `${method} is not allowed on ${url.pathname}`, {
        ...cors,
        allow: resolution.allow.join(', '),
      });
      return;
    }
    const { route, params } = resolution;
    const auth = authorize(
      options.keys,
      route.authLevel,
      presentedKey(req.headers, url.searchParams),
    );
    if (!auth.ok) {
      sendProblem(res, 401, auth.reason, cors);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > maxBody) {
      sendProblem(res, 413, `request body over ${maxBody} bytes`, { ...cors, connection: 'close' });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        sendProblem(res, 413, `request body over ${maxBody} bytes`, {
          ...cors,
          connection: 'close',
        });
        return;
      }
      throw err;
    }
    const fn = registry.get(route.functionName);
    if (!fn) {
      // Unregistered between resolving and now.
      sendProblem(res, 404, `no function route at ${url.pathname}`, cors);
      return;
    }
    const invocationId = randomUUID();
    const started = performance.now();
    let result: HttpInvokeResult;
    try {
      result = await invokeHttp(
        registry,
        fn.name,
        {
          method,
          url: url.href,
          headers: flatHeaders(req),
          ...(body.length > 0 ? { body } : {}),
          params,
        },
        {
          invocationId,
          ...(hasDurableClient(fn) ? { durableClient: bindingData() } : {}),
        },
      );
    } catch (err) {
      const ms = (performance.now() - started).toFixed(1);
      log(
        'error',
        `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${ms}ms): ${errorMessage(err)}`,
      );
      sendProblem(res, 500, `function "${fn.name}" failed; see the host log`, cors, {
        invocationId,
      });
      return;
    }
    log(
      'debug',
      `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${(performance.now() - started).toFixed(1)}ms) ${method} ${url.pathname} → ${result.status}`,
    );
    writeFunctionResponse(req, res, result, cors);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', req.headers.host ? `http://${req.headers.host}` : origin);
    } catch {
      sendProblem(res, 400, 'malformed request URL or Host header');
      return;
    }
    const originHeader = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const cors = corsHeaders(options.cors, originHeader);
    if (
      options.cors &&
      method === 'OPTIONS' &&
      originHeader &&
      req.headers['access-control-request-method']
    ) {
      const requestedHeaders = req.headers['access-control-request-headers'];
      res.writeHead(204, {
        ...cors,
        ...(Object.keys(cors).length > 0
          ? {
              'access-control-allow-methods': String(req.headers['access-control-request-method']),
              ...(requestedHeaders
                ? { 'access-control-allow-headers': String(requestedHeaders) }
                : {}),
              'access-control-max-age': '86400',
            }
          : {}),
      });
      res.end();
      return;
    }
    if (durableHandler && (await durableHandler(req, res))) return;
    if (/^\/admin(\/|$)/i.test(url.pathname)) {
      handleAdmin(req, res, url, method, cors);
      return;
    }
    await handleFunction(req, res, url, method, cors);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log('error', `${req.method ?? ''} ${req.url ?? ''} failed in the host: ${errorMessage(err)}`);
      if (!res.headersSent) sendProblem(res, 500, 'the local host failed; see its log');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7071, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  origin = originFor(bindHost, port);

  for (const route of table.routes) {
    if (
      routePrefix.length === 0 &&
      /^(admin|runtime|durabletask)(\/|$)/i.test(route.route.template)
    ) {
      log(
        'warning',
        `Function "${route.functionName}": route "${route.route.template}" is shadowed by the host's own routes (empty routePrefix)`,
      );
    }
  }

  let closed: Promise<void> | undefined;
  return {
    url: origin,
    port,
    routePrefix,
    routes: () => currentTable().routes,
    functionUrl: (route, params = {}) => {
      const path = route.route.segments
        .map((s) => {
          if (s.kind === 'literal') return s.text;
          if (s.kind === 'parameter') {
            const v = params[s.parameter.name];
            return v === undefined ? `{${s.parameter.name}}` : encodeURIComponent(v);
          }
          return s.parts
            .map((p) => (typeof p === 'string' ? p : (params[p.name] ?? `{${p.name}}`)))
            .join('');
        })
        .join('/');
      return `${origin}/${[routePrefix, path].filter((s) => s.length > 0).join('/')}`;
    },
    clientBindingData: bindingData,
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
