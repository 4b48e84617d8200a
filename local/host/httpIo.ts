/**
 * The local host's request and response plumbing: JSON and problem answers (the
 * `{error: {status, reason}}` shape Surge's own functions answer with), bodies read within a
 * limit, headers flattened, a function's response written with its cookies, and CORS headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpInvokeResult } from './invoke';

/** CORS as `Host.CORS` / `Host.CORSCredentials` configure it. */
export interface CorsOptions {
  /** Allowed origins; `*` allows any. */
  readonly origins: readonly string[];
  readonly credentials?: boolean;
}

/** The JSON problem body Surge uses everywhere (`shared/webhooks/body.ts` `problem()`). */
export function problemBody(
  status: number,
  reason: string,
  extra?: Readonly<Record<string, unknown>>,
): { error: Record<string, unknown> } {
  return { error: { ...extra, status, reason } };
}

/** Response headers. */
export type Headers = Record<string, string | string[]>;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Headers = {},
): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(payload.length),
  });
  res.end(payload);
}

export function sendProblem(
  res: ServerResponse,
  status: number,
  reason: string,
  headers: Headers = {},
  extra?: Record<string, unknown>,
): void {
  sendJson(res, status, problemBody(status, reason, extra), headers);
}

/** A request body over the limit. */
export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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
export function flatHeaders(req: IncomingMessage): Record<string, string> {
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
function formatSetCookie(cookie: unknown): string | undefined {
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

export function writeFunctionResponse(
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

export function corsHeaders(cors: CorsOptions | undefined, origin: string | undefined): Headers {
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
