/**
 * HTTP route templates as the Functions host reads them (ASP.NET Core routing syntax): literal
 * segments, `{name}`, optional `{name?}`, defaults `{name=value}`, constraints `{id:int}`,
 * `{id:int:min(1)}`, catch-alls `{*rest}` / `{**rest}`, and multi-part segments like
 * `{name}.{ext}`. Templates are compiled once; matching is per path segment, with no regexes
 * built per request.
 *
 * The route table orders routes the way ASP.NET's inbound precedence does (literal segments win
 * over constrained parameters, which win over plain parameters, then catch-alls), so
 * `pools/summary` is chosen over `pools/{name}` whatever the registration order.
 */

/** Why a route template cannot be used; names the template and the problem. */
export class RouteTemplateError extends Error {
  override readonly name = 'RouteTemplateError';
  constructor(
    readonly template: string,
    readonly problem: string,
  ) {
    super(`Invalid route template "${template}": ${problem}`);
  }
}

/** A check on one parameter value (`int`, `alpha`, `min(1)`, …). */
export interface RouteConstraint {
  /** As written in the template, e.g. `min(1)`. */
  readonly text: string;
  readonly test: (value: string) => boolean;
}

/** A `{…}` parameter of a template. */
export interface RouteParameter {
  readonly name: string;
  readonly constraints: readonly RouteConstraint[];
  readonly optional: boolean;
  readonly defaultValue: string | undefined;
  /** `*` (decoded) or `**` (also decoded here: the worker only sees decoded values). */
  readonly catchAll: boolean;
}

/** One segment of a compiled template. */
export type RouteSegment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'parameter'; readonly parameter: RouteParameter }
  | {
      readonly kind: 'complex';
      /** Literal text and parameters in order, e.g. `{name}`, `.`, `{ext}`. */
      readonly parts: readonly (string | RouteParameter)[];
    };

/** A compiled route template. */
export interface RouteTemplate {
  /** The template as written (without a leading `/`). */
  readonly template: string;
  readonly segments: readonly RouteSegment[];
  /** Inbound precedence digits per segment; lower sorts first (see `compareRoutePrecedence`). */
  readonly precedence: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// Constraints

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const integerText = /^[+-]?\d+$/;
const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// The shapes .NET's Guid.TryParse accepts: plain (N), hyphenated (D), braces (B), parentheses (P).
const guidShapes = [
  /^[0-9a-f]{32}$/i,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i,
  /^\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)$/i,
];

function isInt32(v: string): boolean {
  if (!integerText.test(v)) return false;
  const n = Number(v);
  return n >= INT32_MIN && n <= INT32_MAX;
}

function isInt64(v: string): boolean {
  if (!integerText.test(v)) return false;
  const n = BigInt(v);
  return n >= INT64_MIN && n <= INT64_MAX;
}

function intArgs(template: string, name: string, args: string | undefined, count: 1 | 2): number[] {
  const parts = (args ?? '').split(',').map((s) => s.trim());
  if (parts.length !== count || parts.some((p) => !integerText.test(p))) {
    throw new RouteTemplateError(
      template,
      `constraint "${name}" needs ${count === 1 ? 'one integer argument' : 'two integer arguments'}`,
    );
  }
  return parts.map(Number);
}

/**
 * The constraints ASP.NET Core routing knows by default (names are case-insensitive). Values are
 * checked as text, culture-invariant, like the host does.
 */
function makeConstraint(template: string, text: string): RouteConstraint {
  const m = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(text);
  if (!m) throw new RouteTemplateError(template, `constraint "${text}" is malformed`);
  const name = (m[1] ?? '').toLowerCase();
  const args = m[2];
  const noArgs = (test: (v: string) => boolean): RouteConstraint => {
    if (args !== undefined) {
      throw new RouteTemplateError(template, `constraint "${name}" takes no arguments`);
    }
    return { text, test };
  };
  switch (name) {
    case 'int':
      return noArgs(isInt32);
    case 'long':
      return noArgs(isInt64);
    case 'bool':
      return noArgs((v) => /^(true|false)$/i.test(v));
    case 'alpha':
      return noArgs((v) => /^[a-z]+$/i.test(v));
    case 'double':
    case 'float':
    case 'decimal':
      return noArgs((v) => numberText.test(v) && Number.isFinite(Number(v)));
    case 'guid':
      return noArgs((v) => guidShapes.some((re) => re.test(v)));
    case 'datetime':
      return noArgs((v) => !Number.isNaN(Date.parse(v)));
    case 'required':
      return noArgs((v) => v.length > 0);
    case 'minlength': {
      const [min = 0] = intArgs(template, name, args, 1);
      return { text, test: (v) => v.length >= min };
    }
    case 'maxlength': {
      const [max = 0] = intArgs(template, name, args, 1);
      return { text, test: (v) => v.length <= max };
    }
    case 'length': {
      const count = (args ?? '').includes(',') ? 2 : 1;
      const [a = 0, b = a] = intArgs(template, name, args, count);
      return { text, test: (v) => v.length >= a && v.length <= b };
    }
    case 'min': {
      const [min = 0] = intArgs(template, name, args, 1);
      return { text, test: (v) => isInt64(v) && Number(v) >= min };
    }
    case 'max': {
      const [max = 0] = intArgs(template, name, args, 1);
      return { text, test: (v) => isInt64(v) && Number(v) <= max };
    }
    case 'range': {
      const [min = 0, max = 0] = intArgs(template, name, args, 2);
      return { text, test: (v) => isInt64(v) && Number(v) >= min && Number(v) <= max };
    }
    case 'regex': {
      if (args === undefined) {
        throw new RouteTemplateError(template, 'constraint "regex" needs a pattern');
      }
      let re: RegExp;
      try {
        // ASP.NET regex constraints are case-insensitive and culture-invariant.
        re = new RegExp(args, 'i');
      } catch (err) {
        throw new RouteTemplateError(
          template,
          `regex constraint is not a valid pattern: ${(err as Error).message}`,
        );
      }
      return { text, test: (v) => re.test(v) };
    }
    default:
      throw new RouteTemplateError(template, `unknown constraint "${name}"`);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** Split `int:min(1):regex(a:b)` at the colons that are not inside parentheses. */
function splitConstraints(template: string, text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new RouteTemplateError(template, `unbalanced ")" in "${text}"`);
    if (ch === ':' && depth === 0) {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0) throw new RouteTemplateError(template, `unbalanced "(" in "${text}"`);
  out.push(current);
  return out;
}

function parseParameter(template: string, inner: string): RouteParameter {
  let body = inner;
  const catchAll = body.startsWith('*');
  body = body.replace(/^\*{1,2}/, '');
  const nameMatch = /^[A-Za-z_][\w-]*/.exec(body);
  if (!nameMatch) {
    throw new RouteTemplateError(template, `parameter "{${inner}}" has no valid name`);
  }
  const name = nameMatch[0];
  let rest = body.slice(name.length);
  let optional = false;
  let defaultValue: string | undefined;
  // A default (`=value`) or the optional marker (`?`) ends the parameter, after any constraints.
  const eq = rest.lastIndexOf('=');
  if (eq >= 0 && !rest.slice(eq).includes(')')) {
    defaultValue = rest.slice(eq + 1);
    rest = rest.slice(0, eq);
  } else if (rest.endsWith('?')) {
    optional = true;
    rest = rest.slice(0, -1);
  }
  const constraints: RouteConstraint[] = [];
  if (rest.length > 0) {
    if (!rest.startsWith(':')) {
      throw new RouteTemplateError(template, `unexpected "${rest}" in parameter "${name}"`);
    }
    for (const c of splitConstraints(template, rest.slice(1))) {
      if (c.length === 0) throw new RouteTemplateError(template, `empty constraint on "${name}"`);
      constraints.push(makeConstraint(template, c));
    }
  }
  if (catchAll && optional) {
    throw new RouteTemplateError(template, `catch-all "${name}" cannot be marked optional`);
  }
  return { name, constraints, optional, defaultValue, catchAll };
}

/** Split a segment into literal text and `{…}` parameters, honouring nested parentheses. */
type RawPart = readonly ['text' | 'param', string];

function splitSegment(template: string, segment: string): RawPart[] {
  const parts: RawPart[] = [];
  let i = 0;
  while (i < segment.length) {
    if (segment[i] === '{') {
      let depth = 0;
      let j = i + 1;
      for (; j < segment.length; j++) {
        const ch = segment[j];
        if (ch === '(') depth++;
        else if (ch === ')') depth--;
        else if (ch === '}' && depth === 0) break;
      }
      if (j >= segment.length) {
        throw new RouteTemplateError(template, `unclosed "{" in segment "${segment}"`);
      }
      parts.push(['param', segment.slice(i + 1, j)]);
      i = j + 1;
    } else {
      let j = i;
      while (j < segment.length && segment[j] !== '{') {
        if (segment[j] === '}') {
          throw new RouteTemplateError(template, `unexpected "}" in segment "${segment}"`);
        }
        j++;
      }
      parts.push(['text', segment.slice(i, j)]);
      i = j;
    }
  }
  return parts;
}

function parseSegment(template: string, segment: string): RouteSegment {
  if (segment.length === 0) {
    throw new RouteTemplateError(template, 'empty segment ("//")');
  }
  const raw = splitSegment(template, segment);
  const only = raw.length === 1 ? raw[0] : undefined;
  if (only?.[0] === 'text') return { kind: 'literal', text: segment };
  if (only?.[0] === 'param') {
    return { kind: 'parameter', parameter: parseParameter(template, only[1]) };
  }
  const parts: (string | RouteParameter)[] = [];
  for (const [kind, text] of raw) {
    if (kind === 'text') {
      parts.push(text);
      continue;
    }
    const p = parseParameter(template, text);
    if (p.catchAll || p.optional || p.defaultValue !== undefined) {
      throw new RouteTemplateError(
        template,
        `parameter "${p.name}" in the multi-part segment "${segment}" cannot be a catch-all, optional or defaulted here`,
      );
    }
    const previous = parts[parts.length - 1];
    if (previous !== undefined && typeof previous !== 'string') {
      throw new RouteTemplateError(
        template,
        `parameters "${previous.name}" and "${p.name}" must be separated by literal text`,
      );
    }
    parts.push(p);
  }
  return { kind: 'complex', parts };
}

function precedenceDigit(segment: RouteSegment): number {
  switch (segment.kind) {
    case 'literal':
      return 1;
    case 'complex':
      return 2;
    case 'parameter':
      if (segment.parameter.catchAll) return 5;
      return segment.parameter.constraints.length > 0 ? 3 : 4;
  }
}

/** Parameters of a compiled template, in order. */
function parametersOf(segments: readonly RouteSegment[]): RouteParameter[] {
  return segments.flatMap((s) =>
    s.kind === 'parameter'
      ? [s.parameter]
      : s.kind === 'complex'
        ? s.parts.filter((p): p is RouteParameter => typeof p !== 'string')
        : [],
  );
}

/**
 * Compile a route template. Throws RouteTemplateError for templates the host would refuse:
 * unknown constraints, duplicate parameter names, a catch-all that is not last, a required
 * segment after an optional one.
 */
export function parseRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.replace(/^~?\/+/, '').replace(/\/+$/, '');
  const texts = trimmed.length === 0 ? [] : trimmed.split('/');
  const segments = texts.map((s) => parseSegment(template, s));
  const seen = new Set<string>();
  for (const p of parametersOf(segments)) {
    const key = p.name.toLowerCase();
    if (seen.has(key)) {
      throw new RouteTemplateError(template, `parameter "${p.name}" appears more than once`);
    }
    seen.add(key);
  }
  let optionalSeen = false;
  segments.forEach((s, i) => {
    const p = s.kind === 'parameter' ? s.parameter : undefined;
    if (p?.catchAll && i !== segments.length - 1) {
      throw new RouteTemplateError(template, `catch-all "${p.name}" must be the last segment`);
    }
    const skippable = p !== undefined && (p.optional || p.defaultValue !== undefined || p.catchAll);
    if (optionalSeen && !skippable) {
      throw new RouteTemplateError(
        template,
        'a required segment cannot follow an optional or defaulted parameter',
      );
    }
    if (p?.optional || p?.defaultValue !== undefined) optionalSeen = true;
  });
  return { template: trimmed, segments, precedence: segments.map(precedenceDigit) };
}

// ---------------------------------------------------------------------------------------------
// Matching

function passes(p: RouteParameter, value: string): boolean {
  return p.constraints.every((c) => c.test(value));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const complexCache = new WeakMap<RouteSegment, RegExp>();

function complexRegExp(segment: Extract<RouteSegment, { kind: 'complex' }>): RegExp {
  let re = complexCache.get(segment);
  if (!re) {
    // Greedy groups reproduce ASP.NET's right-to-left match: `{name}.{ext}` on `a.b.c` gives
    // name `a.b`, ext `c`.
    const source = segment.parts
      .map((p) => (typeof p === 'string' ? escapeRegExp(p) : '(.+)'))
      .join('');
    re = new RegExp(`^${source}$`, 'i');
    complexCache.set(segment, re);
  }
  return re;
}

function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * Match a path (the part after the route prefix, without a leading `/`) against a compiled
 * template. Returns the route parameters (decoded; absent optional ones are left out, defaulted
 * ones get their default), or undefined when the path does not match. Literal segments compare
 * case-insensitively, as ASP.NET routing does.
 */
export function matchTemplate(
  route: RouteTemplate,
  path: string,
): Record<string, string> | undefined {
  const rawSegments = path.split('/').filter((s) => s.length > 0);
  const params: Record<string, string> = {};
  const { segments } = route;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as RouteSegment;
    const raw = rawSegments[i];
    if (segment.kind === 'parameter' && segment.parameter.catchAll) {
      const p = segment.parameter;
      const restRaw = rawSegments.slice(i);
      const decoded = restRaw.map(decodeSegment);
      if (decoded.some((d) => d === undefined)) return undefined;
      const rest = decoded.join('/');
      if (rest.length > 0) {
        if (!passes(p, rest)) return undefined;
        params[p.name] = rest;
      } else if (p.defaultValue !== undefined) {
        params[p.name] = p.defaultValue;
      }
      return params;
    }
    if (raw === undefined) {
      if (segment.kind !== 'parameter') return undefined;
      const p = segment.parameter;
      if (p.defaultValue !== undefined) params[p.name] = p.defaultValue;
      else if (!p.optional) return undefined;
      continue;
    }
    const value = decodeSegment(raw);
    if (value === undefined) return undefined;
    switch (segment.kind) {
      case 'literal':
        if (value.toLowerCase() !== segment.text.toLowerCase()) return undefined;
        break;
      case 'parameter':
        if (!passes(segment.parameter, value)) return undefined;
        params[segment.parameter.name] = value;
        break;
      case 'complex': {
        const m = complexRegExp(segment).exec(value);
        if (!m) return undefined;
        let group = 1;
        for (const part of segment.parts) {
          if (typeof part === 'string') continue;
          const v = m[group++] ?? '';
          if (!passes(part, v)) return undefined;
          params[part.name] = v;
        }
        break;
      }
    }
  }
  return rawSegments.length > segments.length ? undefined : params;
}

/**
 * Order of two templates by ASP.NET inbound precedence: segment by segment, literal (1) before
 * multi-part (2) before constrained parameter (3) before parameter (4) before catch-all (5); a
 * template that ends sorts before one that goes on. Negative when `a` is tried first.
 */
function compareRoutePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const n = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < n; i++) {
    const d = (a.precedence[i] ?? 0) - (b.precedence[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Route table

/** Who may call a route. */
export type AuthLevel = 'anonymous' | 'function' | 'admin';

/** One HTTP-triggered function as the front end serves it. */
export interface HttpRoute {
  readonly functionName: string;
  readonly route: RouteTemplate;
  /** Upper-case methods; undefined = every method (a binding without `methods`). */
  readonly methods: readonly string[] | undefined;
  readonly authLevel: AuthLevel;
}

/** What the table says about one request. */
export type RouteResolution =
  | { readonly kind: 'match'; readonly route: HttpRoute; readonly params: Record<string, string> }
  /** Some route matched the path but none allows the method. */
  | { readonly kind: 'methodNotAllowed'; readonly allow: readonly string[] }
  | { readonly kind: 'notFound' };

/** The HTTP routes of an app, in precedence order. */
export class RouteTable {
  /** Routes sorted by precedence, then registration order (the sort is stable). */
  readonly routes: readonly HttpRoute[];

  /** Sort `routes` by inbound precedence; registration order breaks ties. */
  constructor(routes: readonly HttpRoute[]) {
    this.routes = [...routes].sort((a, b) => compareRoutePrecedence(a.route, b.route));
  }

  /** The first route (by precedence) whose template matches `path` and which allows `method`. */
  resolve(method: string, path: string): RouteResolution {
    const wanted = method.toUpperCase();
    const allow = new Set<string>();
    let anyMatch = false;
    for (const route of this.routes) {
      const params = matchTemplate(route.route, path);
      if (!params) continue;
      anyMatch = true;
      if (!route.methods || route.methods.includes(wanted)) {
        return { kind: 'match', route, params };
      }
      for (const m of route.methods) allow.add(m);
    }
    return anyMatch ? { kind: 'methodNotAllowed', allow: [...allow].sort() } : { kind: 'notFound' };
  }
}
