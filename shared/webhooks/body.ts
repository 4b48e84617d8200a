import type { HttpRequest, HttpResponseInit } from '@azure/functions';

/**
 * Media types a push endpoint reads by default: Event Grid schema deliveries and Azure Monitor
 * webhooks are `application/json`; Event Grid's CloudEvents output is
 * `application/cloudevents+json` for one event and `application/cloudevents-batch+json` for a
 * batch (the CloudEvents JSON batch format requires that media type).
 */
export const DEFAULT_JSON_CONTENT_TYPES: readonly string[] = [
  'application/json',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
];

/** Limits of {@link readJsonBody}. */
export interface ReadJsonBodyOptions {
  /** Largest body accepted, in bytes; a larger one is refused with 413 before it is parsed. */
  readonly maxBytes: number;
  /**
   * Media types accepted (parameters such as charset are not part of them); defaults to
   * {@link DEFAULT_JSON_CONTENT_TYPES}. Compared case-insensitively.
   */
  readonly contentTypes?: readonly string[];
}

/** Why a body was refused, with the HTTP status the handler should answer. */
export interface BodyRefusal {
  readonly ok: false;
  /** 400 empty or malformed body, 413 too large, 415 wrong content type or charset. */
  readonly status: 400 | 413 | 415;
  readonly reason: string;
}

/** A parsed JSON body, or why it was refused. */
export type JsonBodyResult = { readonly ok: true; readonly value: unknown } | BodyRefusal;

/**
 * Reads and parses a JSON request body with a size limit, so that a push endpoint (which anyone
 * who knows its URL can call) never buffers an unbounded body or hands a half-checked value on.
 *
 * Order of checks, cheapest first: the Content-Type (415), the declared Content-Length (413,
 * before a byte is read), then the body itself is streamed and given up on as soon as it passes
 * `maxBytes` (413; Content-Length can be missing, or lie). An empty or whitespace-only body and
 * a body that is not UTF-8 or not JSON are 400, the latter with the parser's own message.
 *
 * The body stream can be read only once: a request whose body was already read is a programming
 * error and throws.
 */
export async function readJsonBody(
  request: HttpRequest,
  options: ReadJsonBodyOptions,
): Promise<JsonBodyResult> {
  const { maxBytes } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`readJsonBody: maxBytes must be a positive integer, got ${maxBytes}`);
  }
  const accepted = (options.contentTypes ?? DEFAULT_JSON_CONTENT_TYPES).map((t) =>
    t.trim().toLowerCase(),
  );
  const contentType = checkContentType(request.headers.get('content-type'), accepted);
  if (contentType !== undefined) return contentType;

  const declared = request.headers.get('content-length');
  if (declared !== null) {
    // Digits only: Number('1e3') or Number('0x10') would otherwise pass as a length.
    if (!/^\s*\d+\s*$/.test(declared)) {
      return refuse(400, `invalid Content-Length "${declared}"`);
    }
    const length = Number(declared);
    if (length > maxBytes) {
      return refuse(
        413,
        `body of ${length} bytes (Content-Length) exceeds the limit of ${maxBytes} bytes`,
      );
    }
  }

  if (request.bodyUsed) {
    throw new TypeError('readJsonBody: the request body was already read');
  }
  const bytes = await readAtMost(request.body, maxBytes);
  if (bytes === undefined) {
    return refuse(413, `body exceeds the limit of ${maxBytes} bytes`);
  }

  let text: string;
  try {
    // fatal: a body in another charset is refused rather than silently mangled into U+FFFD.
    // The decoder also drops a leading BOM, which JSON.parse would reject.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse(400, 'body is not valid UTF-8');
  }
  if (text.trim() === '') return refuse(400, 'empty body');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return refuse(400, `malformed JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The response for a refused request, in the one error shape every Surge endpoint answers with:
 * `{"error": {"status", "reason", ...extra}}`. `extra` adds fields (a field name, an event index)
 * but cannot overwrite status or reason.
 */
export function problem(
  status: number,
  reason: string,
  extra?: Readonly<Record<string, unknown>>,
): HttpResponseInit {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    jsonBody: { error: { ...extra, status, reason } },
  };
}

function refuse(status: BodyRefusal['status'], reason: string): BodyRefusal {
  return { ok: false, status, reason };
}

/** undefined when the header is acceptable, otherwise the 415 refusal. */
function checkContentType(
  header: string | null,
  accepted: readonly string[],
): BodyRefusal | undefined {
  const expected = `expected ${accepted.join(', ')}`;
  if (header === null || header.trim() === '') {
    return refuse(415, `missing Content-Type; ${expected}`);
  }
  const [mediaType = '', ...parameters] = header.split(';');
  if (!accepted.includes(mediaType.trim().toLowerCase())) {
    return refuse(415, `unsupported Content-Type "${header}"; ${expected}`);
  }
  for (const parameter of parameters) {
    const eq = parameter.indexOf('=');
    if (eq < 0 || parameter.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const charset = parameter
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    // JSON is UTF-8 (RFC 8259); a sender that declares another charset would be misread.
    if (charset !== 'utf-8' && charset !== 'utf8') {
      return refuse(415, `unsupported charset "${charset}"; the body must be UTF-8`);
    }
  }
  return undefined;
}

/** The whole body, or undefined as soon as it passes `maxBytes` (the rest is never read). */
async function readAtMost(
  body: ReadableStream<unknown> | null,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      const chunk: unknown = next.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError('readJsonBody: the request body stream did not yield bytes');
      }
      total += chunk.byteLength;
      if (total > maxBytes) {
        await reader.cancel('body too large');
        return undefined;
      }
      chunks.push(chunk);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
