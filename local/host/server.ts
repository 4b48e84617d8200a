/**
 * The local host's HTTP front end (node:http): every registered httpTrigger at
 * `http://{host}:{port}/{routePrefix}/{route}`, the Durable client API of the engine, and two
 * admin routes. What it does per request, in order:
 *
 * 1. CORS preflight (only when CORS origins are configured, from `Host.CORS`).
 * 2. Durable routes — the RPC base path the durable client binding points at (`/durabletask/…`)
 *    and the public `/runtime/webhooks/durabletask/…` — handed to the engine's client API
 *    handler. As in Azure, the public routes require the Durable extension's system key (or the
 *    master key), which the management URLs handed out carry; the RPC routes, the extension's
 *    local listener in Azure, answer requests from this machine only.
 * 3. Admin routes (master key): `GET /admin/host/status`, `POST /admin/functions/{name}` (runs a
 *    timer function now, 202).
 * 4. Function routes: strip the route prefix, resolve the route (404 when nothing matches, 405
 *    with `Allow` when the path matches but not the method), check the key for the auth level
 *    (401), read the body (413 above the limit), invoke through the library's invocation model
 *    (`invokeHttp`), and write the function's response. A handler that throws gives 500; the
 *    message is logged with the invocation id, the client only gets the id.
 *
 * Problems are JSON `{error: {status, reason}}`, the shape Surge's own functions answer with.
 * handlers.ts answers the requests; this module starts and stops the server.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientBindingData, createClientApiHandler } from '../durable/clientApi';
import type { DurableEngine } from '../durable/engine';
import type { FunctionRegistry } from './functionsCore';
import type { AdminInvoker, FrontEnd } from './handlers';
import { handleRequest, LiveRoutes } from './handlers';
import type { CorsOptions } from './httpIo';
import { sendProblem } from './httpIo';
import { errorMessage } from './invoke';
import type { HostKeys } from './keys';
import { DURABLE_SYSTEM_KEY, durableApiRefusal, presentedKey } from './keys';
import type { HostLog } from './log';
import { quietHostLog } from './log';
import type { HttpRoute } from './routes';

/** Largest request body accepted by default: 100 MiB, Azure's limit for HTTP triggers. */
const DEFAULT_MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;

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

/**
 * Start the front end. Route templates and auth levels are checked first: an invalid one stops
 * start-up with an error naming the function. Functions registered later are picked up on the
 * next request.
 */
export async function startHostServer(options: HostServerOptions): Promise<HostServer> {
  const log = options.log ?? quietHostLog;
  const routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const bindHost = options.host ?? '127.0.0.1';
  let origin = '';
  const front = frontEnd(options, log, routePrefix, () => origin);
  const server: Server = createServer((req, res) => {
    handleRequest(front, req, res).catch((err: unknown) => {
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
  warnShadowed(front, log);

  let closed: Promise<void> | undefined;
  return {
    url: origin,
    port,
    routePrefix,
    routes: () => front.routes.current().routes,
    functionUrl: (route, params = {}) => functionUrl(origin, routePrefix, route, params),
    clientBindingData: () => front.bindingData(),
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** What the handlers work with, from the options. */
function frontEnd(
  options: HostServerOptions,
  log: HostLog,
  routePrefix: string,
  origin: () => string,
): FrontEnd {
  const engine = options.engine;
  const systemKey = options.keys.systemKeys[DURABLE_SYSTEM_KEY];
  let bindingJson: string | undefined;
  return {
    registry: options.registry,
    keys: options.keys,
    log,
    routePrefix,
    maxBody: options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES,
    ...(options.cors ? { cors: options.cors } : {}),
    ...(options.admin ? { admin: options.admin } : {}),
    startedAt: Date.now(),
    routes: new LiveRoutes(options.registry, options.env ?? process.env, log),
    origin,
    bindingData: () => {
      if (!engine) throw new Error('No Durable engine is mounted on this host');
      bindingJson ??= JSON.stringify(
        clientBindingData({
          taskHubName: engine.taskHubName,
          rpcBaseUrl: origin(),
          webhookOrigin: origin(),
          ...(systemKey !== undefined ? { systemKey } : {}),
        }),
      );
      return bindingJson;
    },
    ...(engine
      ? {
          durable: createClientApiHandler(engine, origin, {
            webhookKey: (headers, query) =>
              durableApiRefusal(options.keys, presentedKey(headers, query)),
            ...(systemKey !== undefined ? { systemKey } : {}),
          }),
        }
      : {}),
  };
}

/** With an empty route prefix, function routes under admin/, runtime/ or durabletask/ are shadowed. */
function warnShadowed(front: FrontEnd, log: HostLog): void {
  if (front.routePrefix.length > 0) return;
  for (const route of front.routes.current().routes) {
    if (/^(admin|runtime|durabletask)(\/|$)/i.test(route.route.template)) {
      log(
        'warning',
        `Function "${route.functionName}": route "${route.route.template}" is shadowed by the host's own routes (empty routePrefix)`,
      );
    }
  }
}

/** The URL of a route template with parameters filled in (`{name}` → value). */
function functionUrl(
  origin: string,
  routePrefix: string,
  route: HttpRoute,
  params: Readonly<Record<string, string>>,
): string {
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
}

function originFor(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
