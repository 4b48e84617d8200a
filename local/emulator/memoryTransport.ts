/**
 * The emulator's second door: an `HttpClient` (the Azure SDKs' transport interface) that hands
 * each request to the emulator's router in-process instead of sending it over TLS on loopback.
 * Everything above the transport is the real SDK pipeline (serialization, bearer token, Surge's
 * retry policy, deserialization); everything below is the same `dispatch` the https server calls,
 * answering the same bytes (`encodeReply`). What it saves is the socket, TLS and HTTP parsing —
 * about half of the CPU time of a simulated controller iteration — and what it adds is order: a
 * request is routed when the SDK sends it, so requests sent concurrently reach the model in the
 * order they were sent, not in the order the kernel happened to deliver them (`npm run simulate`
 * relies on that for byte-identical reports).
 */
import { Readable } from 'node:stream';
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import type { EmuRequest, Reply } from './http';
import { armError, encodeReply } from './http';

/** Routes one request (the emulator's `dispatch`, bound to its world). */
export type EmulatorHandler = (request: EmuRequest) => Reply;

/** The request as the https server would have parsed it. */
function toEmuRequestFromPipeline(request: PipelineRequest): EmuRequest {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
  // The Service Bus adapter keeps the namespace in Host while the URL points at the emulator;
  // Node's client sends an explicit Host header as is, so the server sees the same.
  const host = headers.host ?? url.host;
  headers.host = host;
  const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  return {
    method: request.method.toUpperCase(),
    path: url.pathname,
    query: new URLSearchParams(rawQuery),
    rawQuery,
    headers,
    host,
    origin: `https://${host}`,
    body: bodyText(request),
  };
}

function bodyText(request: PipelineRequest): string {
  const body = request.body;
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array)
    return Buffer.from(body).toString('utf8');
  // Streams, blobs and forms are never sent by the ARM or Service Bus administration clients.
  throw new Error(
    `the in-process emulator transport only sends text bodies (${request.method} ${request.url})`,
  );
}

/** An HttpClient answering from the emulator in-process. */
export function createMemoryHttpClient(handle: EmulatorHandler): HttpClient {
  return {
    sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      if (request.abortSignal?.aborted) {
        const error = new Error('The operation was aborted.');
        error.name = 'AbortError';
        return Promise.reject(error);
      }
      let reply: Reply;
      try {
        reply = handle(toEmuRequestFromPipeline(request));
      } catch (error) {
        // As the https server answers a handler that throws.
        const message = error instanceof Error ? error.message : String(error);
        reply = armError(500, 'InternalServerError', `emulator error: ${message}`);
      }
      const wire = encodeReply(reply);
      const response: PipelineResponse = {
        request,
        status: wire.status,
        // Node's client hands header names over lower-cased; so does this door.
        headers: createHttpHeaders(
          Object.fromEntries(Object.entries(wire.headers).map(([k, v]) => [k.toLowerCase(), v])),
        ),
        bodyAsText: wire.body ?? '',
      };
      if (request.streamResponseStatusCodes?.has(wire.status)) {
        response.readableStreamBody = Readable.from([Buffer.from(wire.body ?? '', 'utf8')]);
        response.bodyAsText = undefined;
      }
      return Promise.resolve(response);
    },
  };
}
