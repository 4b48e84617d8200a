import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { JsonBodyResult, ReadJsonBodyOptions } from '../../shared/webhooks/body';
import { DEFAULT_JSON_CONTENT_TYPES, problem, readJsonBody } from '../../shared/webhooks/body';
import { fixtureJson, fixtureText } from '../fixtures';
import { expectResult, fixtureNames } from './expectResult';

/** A real HttpRequest, as the Functions host builds one (the constructor is the test entry). */
function post(body: string | Uint8Array | undefined, headers: Record<string, string> = {}) {
  return new HttpRequest({
    method: 'POST',
    url: 'https://surge.example/api/push',
    headers,
    ...(body === undefined
      ? {}
      : { body: typeof body === 'string' ? { string: body } : { bytes: body } }),
  });
}

/** The message JSON.parse gives for `text` on this Node version (it changed across V8 releases). */
function parseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} parses`);
}

const json = { 'content-type': 'application/json' };
const limit: ReadJsonBodyOptions = { maxBytes: 1000 };
const big = `{"pad":"${'x'.repeat(2000)}"}`;
const expectedTypes = `expected ${DEFAULT_JSON_CONTENT_TYPES.join(', ')}`;

interface BodyCase {
  label: string;
  request: () => HttpRequest;
  options?: ReadJsonBodyOptions;
  expected: JsonBodyResult;
}

const cases: BodyCase[] = [
  {
    label: 'application/json object',
    request: () => post('{"a":1}', json),
    expected: { ok: true, value: { a: 1 } },
  },
  {
    label: 'application/json with charset=utf-8',
    request: () => post('[1,2]', { 'content-type': 'application/json; charset=utf-8' }),
    expected: { ok: true, value: [1, 2] },
  },
  {
    label: 'media type and quoted charset are case-insensitive',
    request: () => post('true', { 'content-type': 'Application/JSON; Charset="UTF-8"' }),
    expected: { ok: true, value: true },
  },
  {
    label: 'application/cloudevents+json (one CloudEvent)',
    request: () =>
      post('{"id":"1"}', { 'content-type': 'application/cloudevents+json; charset=utf-8' }),
    expected: { ok: true, value: { id: '1' } },
  },
  {
    label: 'application/cloudevents-batch+json (CloudEvents batch)',
    request: () => post('[]', { 'content-type': 'application/cloudevents-batch+json' }),
    expected: { ok: true, value: [] },
  },
  {
    label: 'a leading UTF-8 BOM is dropped',
    request: () => post(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('{"a":1}')]), json),
    expected: { ok: true, value: { a: 1 } },
  },
  {
    label: 'non-ASCII UTF-8 text',
    request: () => post('{"name":"Zoë ✓"}', json),
    expected: { ok: true, value: { name: 'Zoë ✓' } },
  },
  {
    label: 'body of exactly maxBytes is accepted',
    request: () => post(`"${'x'.repeat(8)}"`, json),
    options: { maxBytes: 10 },
    expected: { ok: true, value: 'xxxxxxxx' },
  },
  {
    label: 'custom content types replace the defaults (accepted)',
    request: () => post('{}', { 'content-type': 'application/vnd.surge+json' }),
    options: { maxBytes: 100, contentTypes: ['application/vnd.surge+json'] },
    expected: { ok: true, value: {} },
  },
  {
    label: 'custom content types replace the defaults (application/json refused)',
    request: () => post('{}', json),
    options: { maxBytes: 100, contentTypes: ['application/vnd.surge+json'] },
    expected: {
      ok: false,
      status: 415,
      reason: 'unsupported Content-Type "application/json"; expected application/vnd.surge+json',
    },
  },
  {
    label: 'wrong content type: text/plain',
    request: () => post('{"a":1}', { 'content-type': 'text/plain' }),
    expected: {
      ok: false,
      status: 415,
      reason: `unsupported Content-Type "text/plain"; ${expectedTypes}`,
    },
  },
  {
    // undici's Request gives a string body text/plain;charset=UTF-8 when no type is set.
    label: 'wrong content type: none set on a string body (fetch defaults to text/plain)',
    request: () => post('{"a":1}'),
    expected: {
      ok: false,
      status: 415,
      reason: `unsupported Content-Type "text/plain;charset=UTF-8"; ${expectedTypes}`,
    },
  },
  {
    label: 'wrong content type: missing Content-Type',
    request: () => post(Buffer.from('{"a":1}')),
    expected: { ok: false, status: 415, reason: `missing Content-Type; ${expectedTypes}` },
  },
  {
    label: 'wrong content type: a JSON look-alike (application/jsonp)',
    request: () => post('{}', { 'content-type': 'application/jsonp' }),
    expected: {
      ok: false,
      status: 415,
      reason: `unsupported Content-Type "application/jsonp"; ${expectedTypes}`,
    },
  },
  {
    label: 'wrong charset: iso-8859-1',
    request: () => post('{}', { 'content-type': 'application/json; charset=iso-8859-1' }),
    expected: {
      ok: false,
      status: 415,
      reason: 'unsupported charset "iso-8859-1"; the body must be UTF-8',
    },
  },
  {
    label: 'empty body',
    request: () => post('', json),
    expected: { ok: false, status: 400, reason: 'empty body' },
  },
  {
    label: 'empty body with Content-Length: 0',
    request: () => post(undefined, { ...json, 'content-length': '0' }),
    expected: { ok: false, status: 400, reason: 'empty body' },
  },
  {
    label: 'whitespace-only body',
    request: () => post(' \r\n\t ', json),
    expected: { ok: false, status: 400, reason: 'empty body' },
  },
  {
    label: 'not JSON: truncated',
    request: () => post('{"a":', json),
    expected: { ok: false, status: 400, reason: 'malformed JSON: Unexpected end of JSON input' },
  },
  {
    label: 'not JSON: unquoted key',
    request: () => post('{a:1}', json),
    expected: { ok: false, status: 400, reason: `malformed JSON: ${parseError('{a:1}')}` },
  },
  {
    label: 'not JSON: a form post',
    request: () => post('a=1&b=2', json),
    expected: { ok: false, status: 400, reason: `malformed JSON: ${parseError('a=1&b=2')}` },
  },
  {
    label: 'not UTF-8 (Latin-1 bytes)',
    request: () => post(new Uint8Array([0x22, 0xe9, 0x22]), json),
    expected: { ok: false, status: 400, reason: 'body is not valid UTF-8' },
  },
  {
    label: 'over the limit by Content-Length (refused before reading)',
    request: () => post(big, { ...json, 'content-length': String(big.length) }),
    expected: {
      ok: false,
      status: 413,
      reason: `body of ${big.length} bytes (Content-Length) exceeds the limit of 1000 bytes`,
    },
  },
  {
    label: 'over the limit by actual size, Content-Length lying (10)',
    request: () => post(big, { ...json, 'content-length': '10' }),
    expected: { ok: false, status: 413, reason: 'body exceeds the limit of 1000 bytes' },
  },
  {
    label: 'over the limit by actual size, no Content-Length',
    request: () => post(Buffer.from(big), json),
    expected: { ok: false, status: 413, reason: 'body exceeds the limit of 1000 bytes' },
  },
  {
    label: 'over the limit by one byte (multi-byte characters count as bytes)',
    request: () => post('"éééé"', json),
    options: { maxBytes: 9 },
    expected: { ok: false, status: 413, reason: 'body exceeds the limit of 9 bytes' },
  },
  {
    label: 'invalid Content-Length',
    request: () => post('{}', { ...json, 'content-length': '1e3' }),
    expected: { ok: false, status: 400, reason: 'invalid Content-Length "1e3"' },
  },
];

describe('readJsonBody', () => {
  it.each(cases)('$label', async ({ label, request, options, expected }) => {
    expectResult(label, await readJsonBody(request(), options ?? limit), expected);
  });

  const fixtures = [
    ...fixtureNames('eventgrid').map((name) => `eventgrid/${name}`),
    ...fixtureNames('monitor').map((name) => `monitor/${name}`),
  ];
  it.each(fixtures)('reads fixture %s as it is on disk', async (fixture) => {
    const type = fixture.includes('cloud-events')
      ? 'application/cloudevents+json; charset=utf-8'
      : 'application/json';
    const result = await readJsonBody(post(fixtureText(fixture), { 'content-type': type }), {
      maxBytes: 256 * 1024,
    });
    expectResult(fixture, result, { ok: true, value: fixtureJson(fixture) });
  });

  it('refuses a request whose body was already read (programming error)', async () => {
    const request = post('{}', json);
    await request.text();
    await expect(readJsonBody(request, limit)).rejects.toThrow('already read');
  });

  it('refuses a limit that is not a positive integer (programming error)', async () => {
    await expect(readJsonBody(post('{}', json), { maxBytes: 0 })).rejects.toThrow(RangeError);
  });
});

describe('problem', () => {
  const cases = [
    {
      label: 'status and reason only',
      actual: problem(415, 'unsupported Content-Type "text/plain"'),
      expected: {
        status: 415,
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        jsonBody: { error: { status: 415, reason: 'unsupported Content-Type "text/plain"' } },
      },
    },
    {
      label: 'extra fields are added',
      actual: problem(400, 'events[1]: missing id', { field: 'id', index: 1 }),
      expected: {
        status: 400,
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        jsonBody: {
          error: { field: 'id', index: 1, status: 400, reason: 'events[1]: missing id' },
        },
      },
    },
    {
      label: 'extra cannot overwrite status or reason',
      actual: problem(413, 'too large', { status: 200, reason: 'fine' }),
      expected: {
        status: 413,
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        jsonBody: { error: { status: 413, reason: 'too large' } },
      },
    },
  ];
  it.each(cases)('$label', ({ label, actual, expected }) => {
    expectResult(label, actual, expected);
  });
});
