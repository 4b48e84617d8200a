/**
 * Small type guards shared by the webhook parsers. Payloads arrive as `unknown` from JSON.parse;
 * these narrow them without `any`, and `describe` names what was found in a reason so that a
 * refused delivery can be fixed from the log line alone.
 */

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string with at least one character. */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** What a JSON value is, for reasons: `null`, `an array`, `a string`, `a number`, `an object`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** Value of a header from a Fetch `Headers` or a plain record (names compared case-insensitively). */
export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (isHeaderGetter(headers)) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * Request headers as the handlers have them: the `Headers` of an `HttpRequest`, or a plain
 * record (tests, or headers copied out of a request).
 */
export type HeaderSource =
  { get(name: string): string | null } | Readonly<Record<string, string | undefined>>;

function isHeaderGetter(headers: HeaderSource): headers is { get(name: string): string | null } {
  return typeof headers.get === 'function';
}
