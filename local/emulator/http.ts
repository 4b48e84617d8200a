/**
 * The request and reply shapes the emulator's handlers work with, and ARM's error body. Handlers
 * are plain functions from EmuRequest to Reply, so they are easy to read and test; server.ts does
 * the Node http work.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** A request as the handlers see it. */
export interface EmuRequest {
  readonly method: string;
  /** Path without the query, percent-decoded per segment by the router where needed. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The query string as sent, without `?` (links echo it verbatim, `$` unescaped). */
  readonly rawQuery: string;
  /** Header names in lower case (Node's). */
  readonly headers: IncomingHttpHeaders;
  /** The Host header as sent (`127.0.0.1:8443`, `orders.servicebus.windows.net`). */
  readonly host: string;
  /** `https://{host}`: links the emulator returns point back to what the client used. */
  readonly origin: string;
  readonly body: string;
}

/** An answer. Exactly one of json and text (or neither, for an empty body). */
export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly text?: string;
  /** Content type of `text` (JSON replies are `application/json; charset=utf-8`). */
  readonly contentType?: string;
}

/** ARM's error body `{error: {code, message}}`. */
export function armError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return { status, json: { error: { code, message } }, headers };
}

/** ARM's 404 for a resource that does not exist. */
export function resourceNotFound(type: string, name: string, resourceGroup: string): Reply {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** A JSON body parsed, or undefined when the body is empty; throws SyntaxError when invalid. */
export function parseJson(body: string): unknown {
  return body.trim() === '' ? undefined : JSON.parse(body);
}

/** The bearer token of a request, or undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const m = /^Bearer\s+(\S.*)$/i.exec(auth.trim());
  return m?.[1];
}

/** A Reply as it goes on the wire: status, headers (content type and length set), body text. */
export interface WireReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/**
 * Encodes a Reply the way the https server sends it (JSON serialized, content type and length
 * set, `cache-control: no-cache`). One function for both doors, so the in-process transport
 * (memoryTransport.ts) answers byte for byte what the socket does.
 */
export function encodeReply(reply: Reply): WireReply {
  const headers: Record<string, string> = {
    'cache-control': 'no-cache',
    ...reply.headers,
  };
  let body: string | undefined;
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] = 'application/json; charset=utf-8';
  } else if (reply.text !== undefined) {
    body = reply.text;
    headers['content-type'] = reply.contentType ?? 'text/plain; charset=utf-8';
  }
  headers['content-length'] = String(body === undefined ? 0 : Buffer.byteLength(body));
  return { status: reply.status, headers, body };
}
