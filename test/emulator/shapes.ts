/**
 * Shape comparison for the fixture walk: two JSON documents have the same shape when every key of
 * the recorded one is present in the emulator's with the same value type, recursively. The
 * emulator may have more keys only where the service has them too: `allowed` holds the key paths
 * seen in real responses of the same kind of resource (and the request that was sent, which the
 * service echoes). XML bodies compare as element trees: names, attribute names, and whether an
 * element holds text or children, in order.
 */

/** The JSON type of a value. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Every key path in a document, arrays collapsed to `[]` (e.g. `properties.containers[].name`). */
export function keyPaths(doc: unknown, prefix = ''): string[] {
  const out: string[] = [];
  if (Array.isArray(doc)) {
    for (const item of doc) out.push(...keyPaths(item, `${prefix}[]`));
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      const p = prefix === '' ? k : `${prefix}.${k}`;
      out.push(p, ...keyPaths(v, p));
    }
  }
  return out;
}

/**
 * Differences between the recorded shape and the emulator's, as readable lines (empty when the
 * shapes agree). `allowed` are key paths (as keyPaths writes them) where extra keys are fine.
 */
export function shapeDiff(
  recorded: unknown,
  actual: unknown,
  allowed: ReadonlySet<string>,
  path = '',
): string[] {
  const where = path === '' ? '(root)' : path;
  const rt = jsonType(recorded);
  const at = jsonType(actual);
  if (rt !== at) return [`${where}: ${at} where the service has ${rt}`];
  if (rt === 'array') {
    const r = recorded as unknown[];
    const a = actual as unknown[];
    if (r.length > 0 && a.length === 0) return [`${where}: empty where the service has items`];
    if (r.length === 0) {
      // Nothing recorded to compare items with: each item's keys must still be known ones.
      return a.flatMap((item) => unknownKeys(item, allowed, `${path}[]`));
    }
    return a.flatMap((item, i) =>
      shapeDiff(r[Math.min(i, r.length - 1)], item, allowed, `${path}[]`),
    );
  }
  if (rt === 'object') {
    const r = recorded as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const out: string[] = [];
    for (const key of Object.keys(r)) {
      const p = path === '' ? key : `${path}.${key}`;
      if (!(key in a)) out.push(`${p}: missing`);
      else out.push(...shapeDiff(r[key], a[key], allowed, p));
    }
    for (const key of Object.keys(a)) {
      if (key in r) continue;
      const p = path === '' ? key : `${path}.${key}`;
      if (!allowed.has(p)) out.push(`${p}: not in any recorded response`);
      else out.push(...unknownKeys(a[key], allowed, p));
    }
    return out;
  }
  return [];
}

/** Keys under `value` (at `path`) that no recorded response has. */
function unknownKeys(value: unknown, allowed: ReadonlySet<string>, path: string): string[] {
  return keyPaths(value, path).flatMap((p) =>
    allowed.has(p) ? [] : [`${p}: not in any recorded response`],
  );
}

/** An XML element tree without values. */
export interface XmlShape {
  readonly name: string;
  readonly attributes: readonly string[];
  readonly text: boolean;
  readonly children: readonly XmlShape[];
}

/**
 * Parses the element structure of an XML document (enough for the Service Bus bodies: no CDATA,
 * no comments; the declaration is skipped). Local names only; attribute names sorted.
 */
export function xmlShape(xml: string): XmlShape {
  const stack: { name: string; attributes: string[]; text: boolean; children: XmlShape[] }[] = [
    { name: '#document', attributes: [], text: false, children: [] },
  ];
  const token =
    /<\?[^>]*\?>|<\/([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  for (const m of xml.matchAll(token)) {
    const [whole, close, open, attrs = '', selfClosing, text] = m;
    if (whole.startsWith('<?')) continue;
    const top = stack[stack.length - 1]!;
    if (text !== undefined) {
      if (text.trim() !== '') top.text = true;
    } else if (close !== undefined) {
      const done = stack.pop()!;
      stack[stack.length - 1]!.children.push({
        name: done.name,
        attributes: done.attributes,
        text: done.text,
        children: done.children,
      });
    } else if (open !== undefined) {
      const attributes = [...attrs.matchAll(/([^\s=]+)\s*=\s*(?:"[^"]*"|'[^']*')/g)]
        .map((a) => a[1]!)
        .sort();
      const element = { name: localName(open), attributes, text: false, children: [] };
      if (selfClosing === '/') top.children.push(element);
      else stack.push(element);
    }
  }
  return stack[0]!.children[0]!;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : name;
}
