/**
 * The small part of ARM's template language that ADF's "Export ARM template" writes: `[parameters('x')]`,
 * `[variables('x')]`, `[concat(…)]`, plus a few string helpers. A string is an ARM expression when it starts
 * with `[` and ends with `]`; `[[` at the start escapes a literal `[`. ADF's own `@…` expressions pass through.
 */

export interface ArmScope {
  parameter(name: string): unknown;
  variable(name: string): unknown;
}

export class ArmExpressionError extends Error {}

type Node =
  | { kind: 'lit'; value: unknown }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'prop'; target: Node; key: Node };

/** Resolves one JSON string: returns it unchanged, unescaped (`[[`), or evaluated. */
export function resolveArmString(s: string, scope: ArmScope): unknown {
  if (s.startsWith('[[')) return s.slice(1);
  if (!(s.startsWith('[') && s.endsWith(']'))) return s;
  const p = new Parser(s.slice(1, -1));
  const node = p.expression();
  p.end();
  return evaluate(node, scope);
}

class Parser {
  private i = 0;
  constructor(private readonly text: string) {}

  expression(): Node {
    this.ws();
    let node = this.primary();
    for (;;) {
      this.ws();
      const c = this.text[this.i];
      if (c === '.') {
        this.i++;
        node = { kind: 'prop', target: node, key: { kind: 'lit', value: this.ident() } };
      } else if (c === '[') {
        this.i++;
        const key = this.expression();
        this.expect(']');
        node = { kind: 'prop', target: node, key };
      } else return node;
    }
  }

  end(): void {
    this.ws();
    if (this.i < this.text.length) this.fail(`unexpected '${this.text[this.i]}'`);
  }

  private primary(): Node {
    const c = this.text[this.i];
    if (c === "'") return { kind: 'lit', value: this.string() };
    if (c !== undefined && /[-0-9]/.test(c)) {
      const m = /^-?\d+/.exec(this.text.slice(this.i))!;
      this.i += m[0].length;
      return { kind: 'lit', value: Number(m[0]) };
    }
    const name = this.ident();
    if (name === 'true' || name === 'false') return { kind: 'lit', value: name === 'true' };
    this.ws();
    this.expect('(');
    const args: Node[] = [];
    this.ws();
    if (this.text[this.i] !== ')') {
      for (;;) {
        args.push(this.expression());
        this.ws();
        if (this.text[this.i] === ',') {
          this.i++;
          continue;
        }
        break;
      }
    }
    this.expect(')');
    return { kind: 'call', name, args };
  }

  private string(): string {
    let out = '';
    this.i++;
    for (;;) {
      if (this.i >= this.text.length) this.fail('unterminated string');
      const c = this.text[this.i++];
      if (c === "'") {
        if (this.text[this.i] === "'") {
          out += "'";
          this.i++;
          continue;
        }
        return out;
      }
      out += c;
    }
  }

  private ident(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.i));
    if (!m) this.fail('expected a function name');
    this.i += m![0].length;
    return m![0];
  }

  private ws(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
  }

  private expect(c: string): void {
    if (this.text[this.i] !== c) this.fail(`expected '${c}'`);
    this.i++;
  }

  private fail(msg: string): never {
    throw new ArmExpressionError(`${msg} at character ${this.i + 2} of the ARM expression`);
  }
}

const SUPPORTED = new Set(['parameters', 'variables', 'concat', 'format', 'tolower', 'toupper', 'string', 'replace']);

const str = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function evaluate(node: Node, scope: ArmScope): unknown {
  if (node.kind === 'lit') return node.value;
  if (node.kind === 'prop') {
    const target = evaluate(node.target, scope);
    const key = evaluate(node.key, scope);
    if (target === null || typeof target !== 'object')
      throw new ArmExpressionError(`cannot read '${str(key)}' of a non-object`);
    return (target as Record<string, unknown>)[key as string];
  }
  if (!SUPPORTED.has(node.name.toLowerCase())) {
    throw new ArmExpressionError(
      `the ARM function '${node.name}' is not supported when loading a template (supported: parameters, variables, concat, format, toLower, toUpper, string, replace)`,
    );
  }
  const args = node.args.map((a) => evaluate(a, scope));
  switch (node.name.toLowerCase()) {
    case 'parameters':
      return scope.parameter(String(args[0]));
    case 'variables':
      return scope.variable(String(args[0]));
    case 'concat':
      return args.every(Array.isArray) && args.length > 0 ? (args as unknown[][]).flat() : args.map(str).join('');
    case 'format':
      return String(args[0]).replace(/\{(\d+)\}/g, (_, n: string) => str(args[Number(n) + 1]));
    case 'tolower':
      return String(args[0]).toLowerCase();
    case 'toupper':
      return String(args[0]).toUpperCase();
    case 'string':
      return str(args[0]);
    default: // replace, the last of SUPPORTED
      return String(args[0]).split(String(args[1])).join(String(args[2]));
  }
}
