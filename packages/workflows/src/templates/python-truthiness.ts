/**
 * Jinja tests conditions with Python truthiness: `{% if items %}` is false for `[]` and `{}`,
 * which JavaScript finds true. nunjucks compiles conditions to JavaScript, so its compiler is
 * taught to wrap `if`, inline `if`, `not`, `and` and `or` operands in a truthiness call.
 */
export const truthinessGlobal = "__nexus_truthy";

export function pythonTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (value && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

interface TemplateNode {
  lineno: number;
  colno: number;
  [field: string]: unknown;
}
type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => TemplateNode;
type CompileMethod = (this: unknown, node: TemplateNode, ...rest: unknown[]) => void;

export interface NunjucksCompilerParts {
  nodes: { FunCall: NodeClass; Symbol: NodeClass; NodeList: NodeClass; InlineIf: NodeClass };
  compiler: { Compiler: { prototype: Record<string, CompileMethod> } };
}

export function installPythonTruthiness({ nodes, compiler }: NunjucksCompilerParts): void {
  const prototype = compiler.Compiler.prototype;
  const wrap = (node: TemplateNode): TemplateNode =>
    new nodes.FunCall(
      node.lineno,
      node.colno,
      new nodes.Symbol(node.lineno, node.colno, truthinessGlobal),
      new nodes.NodeList(node.lineno, node.colno, [node]),
    );
  const wrapField = (method: string, field: string) => {
    const original = prototype[method] as CompileMethod | undefined;
    if (!original) return;
    prototype[method] = function compileWithTruthiness(node, ...rest) {
      if (!node.__truthy) {
        node[field] = wrap(node[field] as TemplateNode);
        node.__truthy = true;
      }
      original.call(this, node, ...rest);
    };
  };
  wrapField("compileIf", "cond");
  wrapField("compileIfAsync", "cond");
  wrapField("compileInlineIf", "cond");
  wrapField("compileNot", "target");
  // `a and b` is `b if a else a`, `a or b` is `a if a else b`: Python returns an operand.
  const compileInlineIf = prototype.compileInlineIf as CompileMethod;
  prototype.compileAnd = function compileAnd(node, ...rest) {
    const left = node.left as TemplateNode;
    compileInlineIf.call(this, new nodes.InlineIf(node.lineno, node.colno, left, node.right, left), ...rest);
  };
  prototype.compileOr = function compileOr(node, ...rest) {
    const left = node.left as TemplateNode;
    compileInlineIf.call(this, new nodes.InlineIf(node.lineno, node.colno, left, left, node.right), ...rest);
  };
}
