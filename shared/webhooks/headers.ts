/**
 * Request headers as the handlers have them: the `Headers` of an `HttpRequest`, or a plain
 * record (tests, or headers copied out of a request).
 */
export type HeaderSource =
  { get(name: string): string | null } | Readonly<Record<string, string | undefined>>;

/** Value of a header from a Fetch `Headers` or a plain record (names compared case-insensitively). */
export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (isHeaderGetter(headers)) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function isHeaderGetter(headers: HeaderSource): headers is { get(name: string): string | null } {
  return typeof headers.get === 'function';
}
