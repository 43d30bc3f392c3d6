/**
 * Jinja syntax nunjucks compiles differently, taught to its compiler:
 * - `'-' * 3`, `[0] * 2` and `list + list` as Python computes them (JavaScript gives NaN / "12");
 * - `{% set ns.count = ns.count + 1 %}` on a `namespace()` (nunjucks fails to compile it);
 * - `{% for x in items if x.ok %}` filters the loop (nunjucks read it as `items if …` and looped
 *   over nothing). The filtered loop's `loop.index` counts every item, not only the kept ones.
 */
export const arithmeticGlobal = "__nexus_arithmetic";
/** Strings and lists built by `*` stop here; templates have no business making more. */
const maxRepeatedLength = 1_000_000;

export function pythonArithmetic(operator: unknown, left: unknown, right: unknown): unknown {
  if (operator === "+") {
    if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
    return (left as number) + (right as number);
  }
  const [sequence, count] =
    typeof right === "number" && (typeof left === "string" || Array.isArray(left))
      ? [left, right]
      : typeof left === "number" && (typeof right === "string" || Array.isArray(right))
        ? [right, left]
        : [null, 0];
  if (sequence === null) return (left as number) * (right as number);
  const times = Math.max(0, Math.trunc(count));
  if (sequence.length * times > maxRepeatedLength) {
    throw new Error(
      `repeating a sequence to ${sequence.length * times} items is more than the limit of ${maxRepeatedLength}`,
    );
  }
  return typeof sequence === "string"
    ? sequence.repeat(times)
    : Array.from({ length: times }, () => sequence).flat();
}

interface TemplateNode {
  lineno: number;
  colno: number;
  typename?: string;
  [field: string]: unknown;
}
type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => TemplateNode;
interface CompilerThis {
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileExpression(node: unknown, frame: unknown): void;
}
type CompileMethod = (this: CompilerThis, node: TemplateNode, frame: unknown, ...rest: unknown[]) => void;

export interface NunjucksStatementParts {
  nodes: {
    FunCall: NodeClass;
    Symbol: NodeClass;
    NodeList: NodeClass;
    Literal: NodeClass;
    If: NodeClass;
    InlineIf: NodeClass;
  };
  compiler: { Compiler: { prototype: Record<string, CompileMethod> } };
}

export function installPythonStatements({ nodes, compiler }: NunjucksStatementParts): void {
  const prototype = compiler.Compiler.prototype;
  const arithmetic = (operator: string): CompileMethod =>
    function compileArithmetic(node, frame) {
      const call = new nodes.FunCall(
        node.lineno,
        node.colno,
        new nodes.Symbol(node.lineno, node.colno, arithmeticGlobal),
        new nodes.NodeList(node.lineno, node.colno, [
          new nodes.Literal(node.lineno, node.colno, operator),
          node.left,
          node.right,
        ]),
      );
      this._compileExpression(call, frame);
    };
  prototype.compileAdd = arithmetic("+");
  prototype.compileMul = arithmetic("*");

  const compileSet = prototype.compileSet as CompileMethod;
  prototype.compileSet = function compileSetWithAttributes(node, frame, ...rest) {
    const targets = node.targets as TemplateNode[];
    const target = targets[0];
    if (targets.length === 1 && target?.typename === "LookupVal" && node.value) {
      this._emit("runtime.nexusAssign(");
      this._compileExpression(target.target, frame);
      this._emit(", ");
      this._compileExpression(target.val, frame);
      this._emit(", ");
      this._compileExpression(node.value, frame);
      this._emitLine(");");
      return;
    }
    compileSet.call(this, node, frame, ...rest);
  };

  const compileFor = prototype.compileFor as CompileMethod;
  prototype.compileFor = function compileFilteredFor(node, frame, ...rest) {
    const source = node.arr as TemplateNode;
    if (source instanceof nodes.InlineIf && (source.else_ === null || source.else_ === undefined)) {
      node.arr = source.body;
      node.body = new nodes.If(node.lineno, node.colno, source.cond, node.body, null);
    }
    compileFor.call(this, node, frame, ...rest);
  };
}
