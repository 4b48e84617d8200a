/**
 * A parser for ARM template expressions ("[concat(parameters('a'), 'b')]"), enough to read the
 * templates' structure in tests: which settings the app settings expression sets, which role a
 * role assignment names, what an output is computed from. It parses; it never evaluates.
 */

/** A node of a parsed expression. */
export type ArmNode =
  | { kind: 'call'; name: string; args: ArmNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'member'; target: ArmNode; property: string }
  | { kind: 'index'; target: ArmNode; index: ArmNode };

/** An ARM expression that cannot be parsed; the message names the position. */
export class ArmExpressionError extends Error {
  override readonly name = 'ArmExpressionError';
}

/** True for a JSON string ARM evaluates: "[...]" but not the "[[" escape of a literal "[". */
export function isExpression(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.startsWith('[') &&
    value.endsWith(']') &&
    !value.startsWith('[[')
  );
}

/** Parses "[expr]" (or a bare "expr") into its tree. */
export function parseExpression(text: string): ArmNode {
  const source = isExpression(text) ? text.slice(1, -1) : text;
  const parser = new Parser(source);
  const node = parser.value();
  parser.skipSpace();
  if (!parser.done()) parser.fail('unexpected text after the expression');
  return node;
}

class Parser {
  #pos = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.#pos >= this.text.length;
  }

  fail(message: string): never {
    throw new ArmExpressionError(`${message} at ${this.#pos} in "${this.text}"`);
  }

  skipSpace(): void {
    while (!this.done() && /\s/.test(this.text[this.#pos] as string)) this.#pos += 1;
  }

  private peek(): string {
    return this.text[this.#pos] ?? '';
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.peek() !== char) this.fail(`expected "${char}"`);
    this.#pos += 1;
  }

  value(): ArmNode {
    this.skipSpace();
    const char = this.peek();
    let node: ArmNode;
    if (char === "'") node = this.string();
    else if (/[-0-9]/.test(char)) node = this.number();
    else if (/[A-Za-z_]/.test(char)) node = this.call();
    else this.fail('expected a function call, a string or a number');
    return this.accessors(node);
  }

  private string(): ArmNode {
    this.#pos += 1; // opening quote
    let value = '';
    for (;;) {
      if (this.done()) this.fail('unterminated string');
      const char = this.peek();
      this.#pos += 1;
      if (char !== "'") {
        value += char;
      } else if (this.peek() === "'") {
        value += "'"; // '' is an escaped quote
        this.#pos += 1;
      } else {
        return { kind: 'string', value };
      }
    }
  }

  private number(): ArmNode {
    const match = /^-?\d+/.exec(this.text.slice(this.#pos));
    if (match === null) this.fail('expected a number');
    this.#pos += match[0].length;
    return { kind: 'number', value: Number(match[0]) };
  }

  /** A name; function names may be namespaced (ns.fn), property names may not. */
  private identifier(dotted = false): string {
    const pattern = dotted ? /^[A-Za-z_][A-Za-z0-9_.]*/ : /^[A-Za-z_$][A-Za-z0-9_$]*/;
    const match = pattern.exec(this.text.slice(this.#pos));
    if (match === null) this.fail('expected a name');
    this.#pos += match[0].length;
    return match[0];
  }

  private call(): ArmNode {
    const name = this.identifier(true);
    this.expect('(');
    const args: ArmNode[] = [];
    this.skipSpace();
    if (this.peek() === ')') {
      this.#pos += 1;
      return { kind: 'call', name, args };
    }
    for (;;) {
      args.push(this.value());
      this.skipSpace();
      if (this.peek() === ',') {
        this.#pos += 1;
        continue;
      }
      this.expect(')');
      return { kind: 'call', name, args };
    }
  }

  private accessors(node: ArmNode): ArmNode {
    let current = node;
    for (;;) {
      this.skipSpace();
      if (this.peek() === '.') {
        this.#pos += 1;
        current = { kind: 'member', target: current, property: this.identifier() };
      } else if (this.peek() === '[') {
        this.#pos += 1;
        const index = this.value();
        this.expect(']');
        current = { kind: 'index', target: current, index };
      } else {
        return current;
      }
    }
  }
}

/** Every node of the tree, depth first, the root first. */
export function nodes(root: ArmNode): ArmNode[] {
  const children = (node: ArmNode): ArmNode[] => {
    switch (node.kind) {
      case 'call':
        return node.args;
      case 'member':
        return [node.target];
      case 'index':
        return [node.target, node.index];
      default:
        return [];
    }
  };
  const all: ArmNode[] = [];
  const visit = (node: ArmNode): void => {
    all.push(node);
    children(node).forEach(visit);
  };
  visit(root);
  return all;
}

/** The calls of function `name` (case-insensitive, as ARM is) anywhere in the tree. */
export function callsOf(root: ArmNode, name: string): Extract<ArmNode, { kind: 'call' }>[] {
  return nodes(root).filter(
    (node): node is Extract<ArmNode, { kind: 'call' }> =>
      node.kind === 'call' && node.name.toLowerCase() === name.toLowerCase(),
  );
}

/** The literal string of a node, or undefined when it is not a string literal. */
export function literal(node: ArmNode | undefined): string | undefined {
  return node?.kind === 'string' ? node.value : undefined;
}

/** Every expression string anywhere inside a JSON value (object keys included). */
export function expressionsIn(value: unknown): string[] {
  if (isExpression(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(expressionsIn);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => [
      ...(isExpression(key) ? [key] : []),
      ...expressionsIn(inner),
    ]);
  }
  return [];
}
