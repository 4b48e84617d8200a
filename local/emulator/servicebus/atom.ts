/**
 * The ATOM XML of the Service Bus administration API (api-version 2021-05), written element by
 * element in the order the recordings in shared/fixtures/servicebus show, and the reading of a
 * PUT body (the text properties of a Queue/Topic/SubscriptionDescription) with an XML parser.
 */

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeMarkup } from '../../markup';

const ATOM_NS = 'http://www.w3.org/2005/Atom';
const SB_NS = 'http://schemas.microsoft.com/netservices/2010/10/servicebus/connect';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const COUNTS_NS = 'http://schemas.microsoft.com/netservices/2011/06/servicebus';

/** The three kinds of description the API carries. */
export type DescriptionKind = 'QueueDescription' | 'TopicDescription' | 'SubscriptionDescription';

/** Service Bus timestamps: ISO 8601 UTC ("2021-10-21T05:19:08.69Z" shortened to ms). */
export function sbTime(t: number): string {
  return new Date(t).toISOString();
}

/** Feed and entry timestamps are to the second ("2021-10-21T05:19:08Z"). */
function atomTime(t: number): string {
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** "Never" as the service writes it. */
export const NEVER = '0001-01-01T00:00:00Z';

/** Message counts of an entity. */
export interface CountDetails {
  readonly active: number;
  readonly deadLetter: number;
  readonly scheduled: number;
  readonly transfer: number;
  readonly transferDeadLetter: number;
}

/** One property element: name and text (already a string). */
export type Property = readonly [name: string, value: string];

/**
 * A description element. `properties` are written in the given order; `counts`, when present,
 * goes where the recording puts CountDetails (after the property named `countsAfter`).
 */
export function description(
  kind: DescriptionKind,
  properties: readonly Property[],
  counts?: { details: CountDetails; after: string },
): string {
  let inner = '';
  for (const [name, value] of properties) {
    inner += `<${name}>${escapeMarkup(value)}</${name}>`;
    if (counts !== undefined && name === counts.after) inner += countDetails(counts.details);
  }
  return `<${kind} xmlns="${SB_NS}" xmlns:i="${XSI_NS}">${inner}</${kind}>`;
}

function countDetails(c: CountDetails): string {
  const n = (name: string, value: number) => `<d2p1:${name}>${value}</d2p1:${name}>`;
  return (
    `<CountDetails xmlns:d2p1="${COUNTS_NS}">` +
    n('ActiveMessageCount', c.active) +
    n('DeadLetterMessageCount', c.deadLetter) +
    n('ScheduledMessageCount', c.scheduled) +
    n('TransferMessageCount', c.transfer) +
    n('TransferDeadLetterMessageCount', c.transferDeadLetter) +
    `</CountDetails>`
  );
}

/** Fields of an entry: its URL (id), title, times, author and the description XML. */
export interface EntryParts {
  /** Absolute URL of the entity as requested, query included (`…/q?enrich=false&api-version=…`). */
  readonly id: string;
  readonly title: string;
  readonly published: number;
  readonly updated: number;
  /** The namespace's short name. */
  readonly author: string;
  /** Value of the self link: the id in a single entry, `../name?…` inside a feed. */
  readonly selfHref: string;
  /** xml:base of an entry inside a feed. */
  readonly base?: string;
  readonly content: string;
}

/** One `<entry>` (top level: with xmlns; inside a feed: with xml:base). */
export function entry(parts: EntryParts, inFeed = false): string {
  const open = inFeed
    ? `<entry xml:base="${escapeMarkup(parts.base ?? '')}">`
    : `<entry xmlns="${ATOM_NS}">`;
  return (
    `${open}<id>${escapeMarkup(parts.id)}</id><title type="text">${escapeMarkup(parts.title)}</title>` +
    `<published>${atomTime(parts.published)}</published><updated>${atomTime(parts.updated)}</updated>` +
    `<author><name>${escapeMarkup(parts.author)}</name></author>` +
    `<link rel="self" href="${escapeMarkup(parts.selfHref)}"/>` +
    `<content type="application/xml">${parts.content}</content></entry>`
  );
}

/** A list `<feed>` with its self link, a next link when more pages follow, and entries. */
export function feed(
  title: string,
  selfUrl: string,
  updated: number,
  entries: readonly string[],
  nextUrl?: string,
): string {
  const next = nextUrl === undefined ? '' : `<link rel="next" href="${escapeMarkup(nextUrl)}"/>`;
  return (
    `<feed xmlns="${ATOM_NS}"><title type="text">${escapeMarkup(title)}</title>` +
    `<id>${escapeMarkup(selfUrl)}</id><updated>${atomTime(updated)}</updated>` +
    `<link rel="self" href="${escapeMarkup(selfUrl)}"/>${next}${entries.join('')}</feed>`
  );
}

/**
 * The service's answer to a GET of an entity that does not exist: 200 with an empty
 * "Publicly Listed Services" feed (the SDK turns it into MessageEntityNotFoundError).
 */
export function publiclyListedServices(trackingId: string, updated: number): string {
  return (
    `<feed xmlns="${ATOM_NS}"><title type="text">Publicly Listed Services</title>` +
    `<subtitle type="text">This is the list of publicly-listed services currently available.</subtitle>` +
    `<id>uuid:${trackingId};id=1</id><updated>${atomTime(updated)}</updated>` +
    `<generator>Service Bus 1.1</generator></feed>`
  );
}

/** An error body: `<Error><Code>404</Code><Detail>…</Detail></Error>`. */
export function errorXml(status: number, detail: string): string {
  return `<Error><Code>${status}</Code><Detail>${escapeMarkup(detail)}</Detail></Error>`;
}

/** What a PUT body describes: its kind and leaf properties (name → text). */
export interface ParsedDescription {
  readonly kind: DescriptionKind;
  readonly properties: ReadonlyMap<string, string>;
}

/**
 * Reads the description out of a PUT body (an ATOM entry whose content holds it, or the bare
 * description). Namespace prefixes are ignored (`ns0:entry`); only the description's own text
 * children are read, and only names the caller asks for, so nested structures
 * (AuthorizationRules, DefaultRuleDescription) are skipped. Returns undefined when the body is
 * not XML or holds no description.
 */
export function parseDescription(
  body: string,
  allowed: Readonly<Record<DescriptionKind, readonly string[]>>,
): ParsedDescription | undefined {
  if (XMLValidator.validate(body) !== true) return undefined;
  const found = findDescription(descriptionParser.parse(body) as unknown);
  if (found === undefined) return undefined;
  const properties = new Map<string, string>();
  for (const name of allowed[found.kind]) {
    const value = found.element[name];
    // A repeated element reads as its first occurrence, as the service does.
    const text = Array.isArray(value) ? (value as unknown[])[0] : value;
    if (typeof text === 'string') properties.set(name, text);
  }
  return { kind: found.kind, properties };
}

const KINDS: readonly DescriptionKind[] = [
  'QueueDescription',
  'TopicDescription',
  'SubscriptionDescription',
];

/** Element values as text (no number or boolean guessing), entities decoded, prefixes dropped. */
const descriptionParser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
});

/** The first description element, depth first; a self-closing one reads as having no properties. */
function findDescription(
  node: unknown,
): { kind: DescriptionKind; element: Record<string, unknown> } | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const element = node as Record<string, unknown>;
  for (const kind of KINDS) {
    if (kind in element) {
      const value = element[kind];
      const first = Array.isArray(value) ? (value as unknown[])[0] : value;
      return {
        kind,
        element:
          typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : {},
      };
    }
  }
  for (const child of Object.values(element)) {
    const found = findDescription(child);
    if (found !== undefined) return found;
  }
  return undefined;
}
