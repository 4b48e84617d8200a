/**
 * Route templates without a server: matching (parameters, optional, defaults, constraints,
 * catch-alls, multi-part segments), refused templates, and the route table's precedence and
 * 405 answers.
 */
import { describe, expect, it } from 'vitest';
import type { HttpRoute } from '../../local/host/routes';
import {
  matchTemplate,
  parseRouteTemplate,
  RouteTable,
  RouteTemplateError,
} from '../../local/host/routes';
import { expectResult } from './helpers';

describe('matchTemplate', () => {
  const cases: {
    label: string;
    template: string;
    path: string;
    params: Record<string, string> | undefined;
  }[] = [
    { label: 'literal', template: 'pools', path: 'pools', params: {} },
    { label: 'literal, other case', template: 'Pools', path: 'POOLS', params: {} },
    {
      label: 'parameter',
      template: 'pools/{name}/scale',
      path: 'pools/a/scale',
      params: { name: 'a' },
    },
    { label: 'decoded value', template: 'p/{name}', path: 'p/a%20b', params: { name: 'a b' } },
    {
      label: 'bad escape never matches',
      template: 'p/{name}',
      path: 'p/%E0%A4%A',
      params: undefined,
    },
    { label: 'optional absent', template: 'p/{id?}', path: 'p', params: {} },
    {
      label: 'optional with constraint',
      template: 'p/{id:int?}',
      path: 'p/7',
      params: { id: '7' },
    },
    { label: 'default', template: 'p/{n=5}', path: 'p', params: { n: '5' } },
    { label: 'int', template: 'p/{id:int}', path: 'p/-12', params: { id: '-12' } },
    { label: 'int out of range', template: 'p/{id:int}', path: 'p/2147483648', params: undefined },
    { label: 'long', template: 'p/{id:long}', path: 'p/2147483648', params: { id: '2147483648' } },
    { label: 'alpha', template: 'p/{a:alpha}', path: 'p/abC', params: { a: 'abC' } },
    { label: 'alpha refuses digits', template: 'p/{a:alpha}', path: 'p/ab1', params: undefined },
    { label: 'bool', template: 'p/{b:bool}', path: 'p/TRUE', params: { b: 'TRUE' } },
    {
      label: 'guid',
      template: 'p/{g:guid}',
      path: 'p/0f8fad5b-d9cb-469f-a165-70867728950e',
      params: { g: '0f8fad5b-d9cb-469f-a165-70867728950e' },
    },
    { label: 'guid refuses junk', template: 'p/{g:guid}', path: 'p/0f8fad5b', params: undefined },
    { label: 'double', template: 'p/{d:double}', path: 'p/1.5e3', params: { d: '1.5e3' } },
    {
      label: 'datetime',
      template: 'p/{d:datetime}',
      path: 'p/2025-01-03',
      params: { d: '2025-01-03' },
    },
    { label: 'minlength', template: 'p/{s:minlength(3)}', path: 'p/ab', params: undefined },
    { label: 'maxlength', template: 'p/{s:maxlength(3)}', path: 'p/abc', params: { s: 'abc' } },
    { label: 'length(min,max)', template: 'p/{s:length(2,3)}', path: 'p/abcd', params: undefined },
    { label: 'min', template: 'p/{n:min(10)}', path: 'p/9', params: undefined },
    { label: 'max', template: 'p/{n:max(10)}', path: 'p/10', params: { n: '10' } },
    { label: 'range', template: 'p/{n:range(1,3)}', path: 'p/4', params: undefined },
    { label: 'chained constraints', template: 'p/{n:int:min(1)}', path: 'p/0', params: undefined },
    {
      label: 'regex with a colon inside',
      template: 'p/{t:regex(^\\d+:\\d+$)}',
      path: 'p/12:30',
      params: { t: '12:30' },
    },
    { label: 'regex', template: 'p/{c:regex(^[a-z]{2}$)}', path: 'p/NL', params: { c: 'NL' } },
    { label: 'catch-all', template: 'f/{*rest}', path: 'f/a/b', params: { rest: 'a/b' } },
    { label: 'catch-all empty', template: 'f/{*rest}', path: 'f', params: {} },
    { label: 'double-star catch-all', template: 'f/{**rest}', path: 'f/x', params: { rest: 'x' } },
    {
      label: 'multi-part',
      template: 'd/{file}.{ext}',
      path: 'd/a.b.c',
      params: { file: 'a.b', ext: 'c' },
    },
    {
      label: 'multi-part needs its literal',
      template: 'd/{file}.{ext}',
      path: 'd/abc',
      params: undefined,
    },
    { label: 'too many segments', template: 'p/{id}', path: 'p/1/2', params: undefined },
    { label: 'empty template', template: '', path: '', params: {} },
    { label: 'leading slash ignored', template: '/p', path: 'p', params: {} },
  ];
  it.each(cases)('$label', ({ label, template, path, params }) => {
    expectResult(label, matchTemplate(parseRouteTemplate(template), path), params);
  });
});

describe('refused templates', () => {
  const cases: { label: string; template: string; problem: string }[] = [
    {
      label: 'unknown constraint',
      template: 'p/{id:number}',
      problem: 'unknown constraint "number"',
    },
    {
      label: 'constraint arguments',
      template: 'p/{id:min}',
      problem: 'constraint "min" needs one integer argument',
    },
    {
      label: 'stray argument',
      template: 'p/{id:int(3)}',
      problem: 'constraint "int" takes no arguments',
    },
    {
      label: 'duplicate name',
      template: '{a}/{A}',
      problem: 'parameter "A" appears more than once',
    },
    {
      label: 'catch-all not last',
      template: '{*a}/b',
      problem: 'catch-all "a" must be the last segment',
    },
    {
      label: 'required after optional',
      template: '{a?}/b',
      problem: 'a required segment cannot follow an optional or defaulted parameter',
    },
    { label: 'empty segment', template: 'a//b', problem: 'empty segment ("//")' },
    { label: 'unclosed brace', template: 'a/{b', problem: 'unclosed "{" in segment "{b"' },
    {
      label: 'adjacent parameters',
      template: '{a}{b}',
      problem: 'parameters "a" and "b" must be separated by literal text',
    },
    {
      label: 'bad regex',
      template: 'p/{x:regex([)}',
      problem: 'regex constraint is not a valid pattern: <engine message>',
    },
  ];
  it.each(cases)('$label', ({ label, template, problem }) => {
    let caught: unknown;
    try {
      parseRouteTemplate(template);
    } catch (err) {
      caught = err;
    }
    expectResult(
      label,
      caught instanceof RouteTemplateError
        ? {
            template: caught.template,
            // The regex engine's own wording differs between Node versions.
            problem: caught.problem.replace(/(valid pattern: ).+$/, '$1<engine message>'),
          }
        : caught,
      { template, problem },
    );
  });
});

describe('RouteTable', () => {
  const route = (functionName: string, template: string, methods?: string[]): HttpRoute => ({
    functionName,
    route: parseRouteTemplate(template),
    methods,
    authLevel: 'anonymous',
  });
  // Registration order is deliberately the reverse of precedence.
  const table = new RouteTable([
    route('catchAll', 'pools/{*rest}', ['GET']),
    route('byName', 'pools/{name}', ['GET', 'DELETE']),
    route('byId', 'pools/{id:int}', ['GET']),
    route('summary', 'pools/summary', ['GET']),
    route('patchByName', 'pools/{name}', ['PATCH']),
  ]);
  const cases: { label: string; method: string; path: string; expected: unknown }[] = [
    { label: 'literal first', method: 'GET', path: 'pools/summary', expected: ['summary', {}] },
    {
      label: 'constrained before plain',
      method: 'GET',
      path: 'pools/7',
      expected: ['byId', { id: '7' }],
    },
    {
      label: 'plain parameter',
      method: 'GET',
      path: 'pools/a',
      expected: ['byName', { name: 'a' }],
    },
    {
      label: 'same template, the route that allows the method',
      method: 'PATCH',
      path: 'pools/a',
      expected: ['patchByName', { name: 'a' }],
    },
    {
      label: 'catch-all last',
      method: 'GET',
      path: 'pools/a/b',
      expected: ['catchAll', { rest: 'a/b' }],
    },
    {
      label: '405 with every method of the matching routes',
      method: 'PUT',
      path: 'pools/a',
      expected: { kind: 'methodNotAllowed', allow: ['DELETE', 'GET', 'PATCH'] },
    },
    { label: '404', method: 'GET', path: 'groups', expected: { kind: 'notFound' } },
  ];
  it.each(cases)('$label', ({ label, method, path, expected }) => {
    const r = table.resolve(method, path);
    expectResult(label, r.kind === 'match' ? [r.route.functionName, r.params] : r, expected);
  });

  it('orders routes by precedence, registration order breaking ties', () => {
    expect(table.routes.map((r) => r.functionName)).toEqual([
      'summary',
      'byId',
      'byName',
      'patchByName',
      'catchAll',
    ]);
  });
});
