/**
 * The Durable client's calls, in-process. `df.getClient(context)` talks to the engine over HTTP
 * (axios, to `rpcBaseUrl`): the depth watch alone makes two such calls per pool every 15 s
 * (getStatus to make sure the controller runs, then raiseEvent), which in a simulated day is
 * about 1.4 million loopback round trips — most of a virtual-time run's wall time. This module
 * gives durable-functions' axios an adapter that hands requests for a mounted origin straight to
 * the client API's handler (`createClientApiHandler`, the same code the socket reaches) with a
 * minimal request and response in place of Node's; requests for any other origin go to axios's
 * own adapter. What is skipped is only the socket and HTTP parsing: routes, bodies, status codes
 * and headers are the client API's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

/** The client API's handler (see clientApi.ts): resolves false for a path it does not serve. */
export type ClientApiHandle = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** The parts of an axios request config this adapter reads. */
interface AxiosRequestLike {
  readonly url?: string;
  readonly baseURL?: string;
  readonly method?: string;
  readonly data?: unknown;
  readonly headers?: unknown;
  readonly validateStatus?: ((status: number) => boolean) | null;
}

/** What an axios adapter resolves with. */
interface AxiosResponseLike {
  readonly data: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: Record<string, string>;
  readonly config: AxiosRequestLike;
  readonly request: Record<string, never>;
}

type Adapter = (config: AxiosRequestLike) => Promise<AxiosResponseLike>;

/** The axios module as durable-functions resolves it (only what is used here). */
interface AxiosModule {
  readonly defaults: { adapter?: unknown };
  getAdapter(adapter: unknown): Adapter;
}

/** Origins served in-process → their handlers. */
const mounted = new Map<string, ClientApiHandle>();
let previousAdapter: unknown;
let installedOn: AxiosModule | undefined;

/** The axios instance durable-functions uses (it is its dependency, not Surge's). */
function durableAxios(): AxiosModule {
  const fromDurable = createRequire(require.resolve('durable-functions'));
  const loaded = fromDurable('axios') as AxiosModule | { default: AxiosModule };
  return 'default' in loaded ? loaded.default : loaded;
}

/**
 * Serves the Durable client's requests for `origin` (e.g. `http://127.0.0.1:7071`, the host the
 * binding data points at) in-process with `handle`. Returns the function that undoes it. Clients
 * created before still work: axios reads its default adapter when a client is created, so this
 * affects `getClient()` calls made afterwards (every invocation makes its own).
 */
export function serveDurableClientInProcess(origin: string, handle: ClientApiHandle): () => void {
  const key = origin.replace(/\/+$/, '').toLowerCase();
  if (mounted.has(key)) throw new Error(`the Durable client of ${origin} is already in-process`);
  if (installedOn === undefined) {
    const axios = durableAxios();
    previousAdapter = axios.defaults.adapter;
    const fallback = axios.getAdapter(previousAdapter);
    axios.defaults.adapter = ((config: AxiosRequestLike) => {
      const url = new URL(config.url ?? '', config.baseURL);
      const target = mounted.get(url.origin.toLowerCase());
      return target ? send(target, url, config) : fallback(config);
    }) satisfies Adapter;
    installedOn = axios;
  }
  mounted.set(key, handle);
  return () => {
    mounted.delete(key);
    if (mounted.size === 0 && installedOn !== undefined) {
      installedOn.defaults.adapter = previousAdapter;
      installedOn = undefined;
    }
  };
}

function plainHeaders(headers: unknown): Record<string, string> {
  const source =
    typeof headers === 'object' && headers !== null && 'toJSON' in headers
      ? (headers as { toJSON(): unknown }).toJSON()
      : headers;
  const out: Record<string, string> = {};
  if (typeof source !== 'object' || source === null) return out;
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && value !== null && value !== false)
      out[name.toLowerCase()] = String(value);
  }
  return out;
}

async function send(
  handle: ClientApiHandle,
  url: URL,
  config: AxiosRequestLike,
): Promise<AxiosResponseLike> {
  const body = typeof config.data === 'string' ? config.data : '';
  const headers = { ...plainHeaders(config.headers), host: url.host };
  // The handler reads url, method and headers, and the body by async iteration: a Readable over
  // the body text with those three fields is all of IncomingMessage it uses.
  const req = Object.assign(Readable.from(body.length > 0 ? [Buffer.from(body, 'utf8')] : []), {
    url: `${url.pathname}${url.search}`,
    method: (config.method ?? 'get').toUpperCase(),
    headers,
  });
  let status = 200;
  let responseHeaders: Record<string, string> = {};
  let text = '';
  const res = {
    headersSent: false,
    writeHead(code: number, h: Record<string, string> = {}) {
      status = code;
      responseHeaders = Object.fromEntries(
        Object.entries(h).map(([name, value]) => [name.toLowerCase(), String(value)]),
      );
      res.headersSent = true;
      return res;
    },
    end(payload?: string) {
      text = payload ?? '';
      return res;
    },
  };
  // Structural stand-ins for Node's request and response (see above); nothing else is touched.
  const handled = await handle(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  if (!handled) {
    status = 404;
    text = JSON.stringify({ message: 'Not a Durable API route' });
    responseHeaders = { 'content-type': 'application/json; charset=utf-8' };
  }
  const response: AxiosResponseLike = {
    data: text,
    status,
    statusText: STATUS_CODES[status] ?? '',
    headers: responseHeaders,
    config,
    request: {},
  };
  if (config.validateStatus && !config.validateStatus(status)) {
    throw Object.assign(new Error(`Request failed with status code ${status}`), { response });
  }
  return response;
}
