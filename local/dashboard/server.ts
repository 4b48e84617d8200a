/**
 * The dashboard's HTTP server (node:http, loopback only): the page (`local/dashboard/page/`, plain
 * HTML, CSS and a JavaScript module that draws its own SVG charts — nothing from a CDN, the
 * machine may be offline) and `GET /api/dashboard`, everything the page shows in one JSON answer.
 *
 * The page polls `/api/dashboard` every 2 s with `If-None-Match: "<seq>"`; the answer is 304 until
 * the sampler has taken a new sample, so polling costs a few bytes between samples.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DashboardSnapshot } from './sampler';

/** Links the page shows (where the Functions endpoints and the emulator's control API are). */
export interface DashboardLinks {
  /** Functions base URL, e.g. http://127.0.0.1:7071/api (no key: the page is not a key holder). */
  readonly functions?: string;
  /** Emulator control API, e.g. https://127.0.0.1:8443/_emulator. */
  readonly emulatorControl?: string;
}

/** What `/api/dashboard` answers: the sampler's snapshot plus the links. */
export type DashboardResponse = DashboardSnapshot & { readonly links: DashboardLinks };

/** How to start the server. */
export interface DashboardServerOptions {
  /** The data source (a `DashboardSampler` fits). */
  readonly sampler: { readonly seq: number; snapshot(): DashboardSnapshot };
  /** 0 (a free port) by default; `npm start` uses 7070. */
  readonly port?: number;
  /** Loopback only: the dashboard has no authentication. */
  readonly host?: '127.0.0.1';
  /** Where index.html, app.mjs and style.css are. Default: `pageDir()`. */
  readonly pageDir?: string;
  readonly links?: DashboardLinks;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** e.g. http://127.0.0.1:7070 */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>;
}

/** The page's files, by URL path: nothing else is served from disk. */
const STATIC: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.mjs': { file: 'app.mjs', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/**
 * The page's folder. The build compiles TypeScript only, so from `dist/local/dashboard/` the page
 * is read where it lives in the source tree, `local/dashboard/page/`.
 */
export function pageDir(from: string = __dirname): string {
  const candidates = [
    path.join(from, 'page'),
    path.resolve(from, '..', '..', '..', 'local', 'dashboard', 'page'),
  ];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (found === undefined) {
    throw new Error(`dashboard page not found (looked in ${candidates.join(', ')})`);
  }
  return found;
}

/**
 * Served with every answer: the page runs only its own script and talks only to this server, so
 * nothing it renders (pool names, Azure error texts) can load or run anything else.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Starts the dashboard on 127.0.0.1. */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  const dir = options.pageDir ?? pageDir();
  const links = options.links ?? {};
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        send(res, 500, 'application/json', JSON.stringify({ error: errorText(error) }));
      } else {
        res.destroy();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'application/json', JSON.stringify({ error: `${method} is not allowed` }));
      return;
    }
    if (url.pathname === '/api/dashboard') {
      const etag = `"${options.sampler.seq}"`;
      res.setHeader('etag', etag);
      res.setHeader('cache-control', 'no-cache');
      if (req.headers['if-none-match'] === etag) {
        send(res, 304, undefined, undefined);
        return;
      }
      const body: DashboardResponse = { ...options.sampler.snapshot(), links };
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body), method === 'HEAD');
      return;
    }
    const asset = STATIC[url.pathname];
    if (asset === undefined) {
      send(res, 404, 'application/json', JSON.stringify({ error: `no page at ${url.pathname}` }));
      return;
    }
    const content = await readFile(path.join(dir, asset.file));
    res.setHeader('cache-control', 'no-cache');
    send(res, 200, asset.type, content, method === 'HEAD');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function send(
  res: ServerResponse,
  status: number,
  type: string | undefined,
  body: string | Buffer | undefined,
  headOnly = false,
): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  if (type !== undefined) res.setHeader('content-type', type);
  if (body !== undefined) res.setHeader('content-length', Buffer.byteLength(body));
  res.writeHead(status);
  res.end(headOnly ? undefined : body);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
