/**
 * A hand-written fake of the SDK's network boundary (HttpClient): it answers from scripted replies,
 * most of them read from the real Azure payloads in ../shared/fixtures, and records every request
 * so tests can assert URLs, methods, headers, bodies and call counts. Everything in front of it
 * (retry, bearer token, serialization) is the real SDK pipeline.
 */
import { expect } from 'vitest';
import { RestError, createHttpHeaders } from '@azure/core-rest-pipeline';
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { fixtureJson, fixtureText } from '../fixtures';
import { StaticTokenCredential } from '../../shared/azure/credentials';
import { AzureError, toFailure } from '../../shared/azure/errors';
import type { AzureFailure } from '../../shared/azure/errors';
import type { AzureRetryOptions } from '../../shared/azure/pipeline';

/** A request as it reached the transport. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What the fake answers: an HTTP response, or a socket error thrown like the node transport does. */
export type Reply =
  | {
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string;
    }
  | { readonly networkError: string };

/** Picks the reply for the n-th request (0-based). */
export type Responder = (request: RecordedRequest, n: number) => Reply;

/** The fake transport. */
export class FakeHttpClient implements HttpClient {
  readonly requests: RecordedRequest[] = [];

  constructor(private readonly responder: Responder) {}

  /** Answers the scripted replies in order, and fails the test on one request too many. */
  static sequence(...replies: Reply[]): FakeHttpClient {
    return new FakeHttpClient((request, n) => {
      const reply = replies[n];
      if (reply === undefined) {
        throw new Error(`unexpected request #${n + 1}: ${request.method} ${request.url}`);
      }
      return reply;
    });
  }

  sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
    const recorded: RecordedRequest = {
      method: request.method,
      url: request.url,
      headers,
      ...(typeof request.body === 'string' ? { body: request.body } : {}),
    };
    const reply = this.responder(recorded, this.requests.length);
    this.requests.push(recorded);
    if ('networkError' in reply) {
      return Promise.reject(
        new RestError(`connect ${reply.networkError}`, { code: reply.networkError, request }),
      );
    }
    return Promise.resolve({
      request,
      status: reply.status,
      headers: createHttpHeaders(reply.headers ?? {}),
      ...(reply.body !== undefined ? { bodyAsText: reply.body } : {}),
    });
  }
}

/** A JSON reply, as ARM sends it. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  };
}

/** An ATOM XML reply, as the Service Bus administration API sends it. */
export function atom(status: number, body: string, kind: 'feed' | 'entry' = 'feed'): Reply {
  return {
    status,
    headers: { 'content-type': `application/atom+xml;type=${kind};charset=utf-8` },
    body,
  };
}

/** An ARM error reply `{error: {code, message}}`. */
export function armError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return json(status, { error: { code, message } }, headers);
}

interface ArmExample {
  parameters: Record<string, unknown>;
  responses: Record<string, { body?: unknown; headers?: Record<string, string> }>;
}

/** The parsed spec example (arm/...). */
export function armExampleJson(path: string): ArmExample {
  return fixtureJson<ArmExample>(path);
}

/** The reply a spec example (arm/...) documents for one status. */
export function armExample(path: string, status: number): Reply {
  const response = armExampleJson(path).responses[String(status)];
  if (response === undefined) throw new Error(`${path} has no ${status} response`);
  return json(status, response.body, response.headers ?? {});
}

interface Recording {
  Entries: {
    RequestUri: string;
    RequestMethod: string;
    StatusCode: number;
    ResponseHeaders: Record<string, string | string[]>;
    ResponseBody: unknown;
  }[];
}

/** One entry of an azure-sdk-for-js recording (recordings/...). */
export function recordingEntry(path: string, index: number): Recording['Entries'][number] {
  const entry = fixtureJson<Recording>(path).Entries[index];
  if (entry === undefined) throw new Error(`${path} has no entry ${index}`);
  return entry;
}

/**
 * The reply a recording captured. The recorded body is already decoded, so the transfer headers
 * (gzip, chunked, length) are dropped; the rest (Azure-AsyncOperation, rate-limit counters) stay.
 */
export function recordedReply(path: string, index: number): Reply {
  const entry = recordingEntry(path, index);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(entry.ResponseHeaders)) {
    if (/^(content-encoding|content-length|transfer-encoding)$/i.test(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    status: entry.StatusCode,
    headers,
    ...(entry.ResponseBody !== null ? { body: JSON.stringify(entry.ResponseBody) } : {}),
  };
}

/** Text of a decoded Service Bus body (servicebus/decoded/...). */
export function serviceBusXml(name: string): string {
  return fixtureText(`servicebus/decoded/${name}`);
}

/** The token every test request carries. */
export const TEST_TOKEN = 'test-token-not-a-secret';

/** A credential for tests: a fixed bearer token. */
export const testCredential = new StaticTokenCredential(TEST_TOKEN);

/** Small delays so retry tests take milliseconds; Retry-After up to 2 s is honoured. */
export const testRetry: AzureRetryOptions = {
  maxRetries: 2,
  retryDelayInMs: 1,
  maxRetryDelayInMs: 2000,
};

/** The query parameters of a recorded URL. */
export function query(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

/** The path of a recorded URL. */
export function pathOf(url: string): string {
  return new URL(url).pathname;
}

/** What one port call did: its result or its failure (as plain data), and the requests it sent. */
export interface Observed<T> {
  readonly result?: T;
  readonly failure?: AzureFailure;
  /** `METHOD path` of each request, in order. */
  readonly calls: readonly string[];
}

/**
 * Runs one port call against a fake transport and returns everything it did as plain data, so a
 * table case compares the whole outcome at once: result or failure, and the requests made.
 */
export async function observe<T>(
  http: FakeHttpClient,
  call: () => Promise<T>,
): Promise<Observed<T>> {
  const before = http.requests.length;
  let outcome: { result: T } | { failure: AzureFailure };
  try {
    outcome = { result: await call() };
  } catch (error) {
    if (!(error instanceof AzureError)) throw error;
    outcome = { failure: toFailure(error) };
  }
  const calls = http.requests.slice(before).map((r) => `${r.method} ${pathOf(r.url)}`);
  return { ...outcome, calls };
}

/** The single comparison every table case ends with: the whole observed outcome. */
export function expectObserved<T>(actual: Observed<T>, expected: Observed<T>): void {
  expect(actual).toStrictEqual(expected);
}
