/**
 * Shared helpers of the host tests: temporary state folders that are always removed, a raw
 * node:http client (full control over method, headers, chunked bodies), a sub-registry holding
 * only chosen functions, and the one comparison every table uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { FunctionRegistry } from '../../local/host/functionsCore';

/** Start of virtual time in the host tests (a Friday). */
export const T0 = Date.UTC(2025, 0, 3, 9, 0, 0);

/** ISO text of a time in ms. */
export const iso = (t: number): string => new Date(t).toISOString();

/**
 * The one comparison the host tests use: the whole result, strictly, labelled with the table
 * row so a failure names it.
 */
export function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

/** Temporary folders, removed by `removeAll()` (call it in afterEach/afterAll). */
export class TempDirs {
  readonly #dirs: string[] = [];

  /** A new empty folder under the OS temp dir. */
  make(prefix = 'surge-host-'): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  /** Remove every folder made so far. */
  removeAll(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A response as the tests look at it. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** Parsed when the response says JSON. */
  readonly json: unknown;
}

/** Options of `send`. */
export interface SendOptions {
  readonly headers?: Record<string, string>;
  /** Sent as is; a string or Buffer. */
  readonly body?: string | Buffer;
  /** Send the body with `Transfer-Encoding: chunked` (no Content-Length) in these pieces. */
  readonly chunks?: readonly Buffer[];
}

/** One request with node:http (no proxy, no retries, no keep-alive). */
export function send(method: string, url: string, options: SendOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: options.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        const type = String(res.headers['content-type'] ?? '');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json:
            type.includes('json') && text.length > 0 ? (JSON.parse(text) as unknown) : undefined,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.chunks) {
      for (const c of options.chunks) req.write(c);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/**
 * A registry holding only the named functions of `source` (with its programming model), so a
 * scheduler under test sees exactly the timers a case wants.
 */
export function subRegistry(source: FunctionRegistry, names: readonly string[]): FunctionRegistry {
  const registry = new FunctionRegistry();
  registry.setProgrammingModel(source.requireProgrammingModel());
  for (const name of names) {
    const fn = source.require(name);
    registry.registerFunction(fn.metadata, fn.callback);
  }
  return registry;
}

/** A loopback port that was free a moment ago (for tests that must name a port up front). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) =>
    server.close((err) => (err ? reject(err) : resolve())),
  );
  return port;
}

/** Whether something accepts connections on a loopback port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}
