import { z } from 'zod';

/**
 * zod building blocks for the webhook payloads. Each schema says, in its own error messages,
 * what a sender needs to fix — the field, and what was found instead — so a refused delivery can
 * be fixed from the log line alone; `reasonOf` reports the first problem, in the order the
 * fields are declared.
 */

/** What a JSON value is, for reasons: `null`, `nothing`, `an array`, `a string`, `an object`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** The first problem zod found, prefixed with where (e.g. `events[1]`) when given. */
export function reasonOf(error: z.ZodError, where?: string): string {
  const message = error.issues[0]?.message ?? 'invalid payload';
  return where === undefined ? message : `${where}: ${message}`;
}

/** A JSON object (not null, not an array); the message says what came instead. */
export function object<S extends z.core.$ZodLooseShape>(
  shape: S,
  expected: (found: string) => string,
) {
  return z.looseObject(shape, { error: (issue) => expected(describe(issue.input)) });
}

/**
 * A required, non-empty string: "missing id", "id must be a string, got a number",
 * "id is empty" (`messages` may say it otherwise).
 */
export function requiredText(
  key: string,
  messages: { missing?: string; wrongType?: (found: string) => string; empty?: string } = {},
) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined || issue.input === null
          ? (messages.missing ?? `missing ${key}`)
          : (messages.wrongType ?? ((f) => `${key} must be a string, got ${f}`))(
              describe(issue.input),
            ),
    })
    .min(1, messages.empty ?? `${key} is empty`);
}

/** An optional string: absent and null (CloudEvents sends `"subject": null`) read as undefined. */
export function optionalText(key: string) {
  return z
    .string({ error: (issue) => `${key} must be a string, got ${describe(issue.input)}` })
    .nullish()
    .transform((value) => value ?? undefined);
}

/**
 * A string read leniently: a non-empty string is kept, anything else (absent, null, a number,
 * '') reads as undefined. For the fields Surge can do without.
 */
export const lenientText = z
  .unknown()
  .transform((value) => (typeof value === 'string' && value !== '' ? value : undefined))
  .optional();

/** A JSON object read leniently: anything else reads as an empty object. */
export const lenientRecord = z.record(z.string(), z.unknown()).catch({});

/** A string, number or boolean as text; anything else reads as undefined. */
export const scalarText = z
  .unknown()
  .transform((value) =>
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : undefined,
  )
  .optional();
