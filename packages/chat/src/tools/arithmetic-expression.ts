/**
 * A small arithmetic language, parsed and evaluated by hand (never `eval` or `Function`): numbers
 * (`2`, `0.5`, `.5`, `1e3`), `+ - * / % ^` (`**` too; `^` binds right and tighter than a leading
 * minus, so `-2^2` is -4), parentheses, the functions sqrt, sin, cos, log (natural), abs, round
 * and the constants pi and e. Angles are in radians.
 *
 * @example evaluateArithmetic("2 * (3 + 4) ^ 2") // 98
 */
export class ArithmeticError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArithmeticError";
  }
}

const maxLength = 1_000;
const maxDepth = 100;

// Maps, not object literals: a name like `constructor` must not find Object.prototype's.
const functions = new Map<string, (value: number) => number>([
  ["sqrt", Math.sqrt],
  ["sin", Math.sin],
  ["cos", Math.cos],
  ["log", Math.log],
  ["abs", Math.abs],
  ["round", Math.round],
]);

const constants = new Map<string, number>([
  ["pi", Math.PI],
  ["e", Math.E],
]);

type Token =
  | { kind: "number"; value: number; at: number }
  | { kind: "name"; value: string; at: number }
  | { kind: "operator"; value: "+" | "-" | "*" | "/" | "%" | "^" | "(" | ")"; at: number };

export function evaluateArithmetic(expression: string): number {
  if (expression.length > maxLength) {
    throw new ArithmeticError(`the expression is longer than ${maxLength} characters`);
  }
  const tokens = tokenize(expression);
  if (tokens.length === 0) throw new ArithmeticError("the expression is empty");
  const parser = new Parser(tokens);
  const value = parser.expression(0);
  parser.expectEnd();
  if (Number.isNaN(value)) throw new ArithmeticError("the result is not a number");
  if (!Number.isFinite(value)) throw new ArithmeticError("the result is infinite");
  return value;
}

/** The value as people write it: 12 significant digits, so 0.1 + 0.2 reads 0.3. */
export function formatArithmeticResult(value: number): string {
  return String(Number(value.toPrecision(12)));
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const numberPattern = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    const rest = text.slice(index);
    const number = numberPattern.exec(rest);
    if (number) {
      tokens.push({ kind: "number", value: Number(number[0]), at: index });
      index += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      tokens.push({ kind: "name", value: name[0].toLowerCase(), at: index });
      index += name[0].length;
      continue;
    }
    if (rest.startsWith("**")) {
      tokens.push({ kind: "operator", value: "^", at: index });
      index += 2;
      continue;
    }
    if ("+-*/%^()".includes(char)) {
      tokens.push({ kind: "operator", value: char as "+", at: index });
      index++;
      continue;
    }
    throw new ArithmeticError(`unexpected '${char}' at position ${index + 1}`);
  }
  return tokens;
}

/** Recursive descent; `depth` bounds nesting so a hostile input cannot overflow the stack. */
class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  expression(depth: number): number {
    this.guard(depth);
    let value = this.term(depth);
    for (let token = this.peek(); isOperator(token, "+", "-"); token = this.peek()) {
      this.position++;
      const right = this.term(depth);
      value = token.value === "+" ? value + right : value - right;
    }
    return value;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token) throw new ArithmeticError(`unexpected ${describe(token)} at position ${token.at + 1}`);
  }

  private term(depth: number): number {
    let value = this.unary(depth);
    for (let token = this.peek(); isOperator(token, "*", "/", "%"); token = this.peek()) {
      this.position++;
      const right = this.unary(depth);
      if ((token.value === "/" || token.value === "%") && right === 0) {
        throw new ArithmeticError("division by zero");
      }
      value = token.value === "*" ? value * right : token.value === "/" ? value / right : value % right;
    }
    return value;
  }

  private unary(depth: number): number {
    this.guard(depth);
    const token = this.peek();
    if (isOperator(token, "+", "-")) {
      this.position++;
      const value = this.unary(depth + 1);
      return token.value === "-" ? -value : value;
    }
    return this.power(depth);
  }

  private power(depth: number): number {
    const base = this.primary(depth);
    if (!isOperator(this.peek(), "^")) return base;
    this.position++;
    return base ** this.unary(depth + 1);
  }

  private primary(depth: number): number {
    const token = this.next();
    if (!token) throw new ArithmeticError("the expression ends too early");
    if (token.kind === "number") return token.value;
    if (token.kind === "name") {
      const constant = constants.get(token.value);
      if (constant !== undefined) return constant;
      const apply = functions.get(token.value);
      if (!apply) {
        throw new ArithmeticError(
          `unknown name '${token.value}' (functions: ${[...functions.keys()].join(", ")}; constants: pi, e)`,
        );
      }
      if (!isOperator(this.next(), "(")) throw new ArithmeticError(`'${token.value}' needs parentheses`);
      const argument = this.expression(depth + 1);
      this.expectClosing();
      return apply(argument);
    }
    if (token.value === "(") {
      const value = this.expression(depth + 1);
      this.expectClosing();
      return value;
    }
    throw new ArithmeticError(`unexpected ${describe(token)} at position ${token.at + 1}`);
  }

  private expectClosing(): void {
    if (!isOperator(this.next(), ")")) throw new ArithmeticError("a parenthesis is not closed");
  }

  private guard(depth: number): void {
    if (depth > maxDepth) throw new ArithmeticError(`the expression nests deeper than ${maxDepth} levels`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token | undefined {
    return this.tokens[this.position++];
  }
}

function isOperator<Operator extends string>(
  token: Token | undefined,
  ...operators: Operator[]
): token is Token & { kind: "operator"; value: Operator } {
  return token?.kind === "operator" && (operators as string[]).includes(token.value);
}

function describe(token: Token): string {
  return token.kind === "number" ? `number ${token.value}` : `'${token.value}'`;
}
