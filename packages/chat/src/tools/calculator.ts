import { ArithmeticError, evaluateArithmetic, formatArithmeticResult } from "./arithmetic-expression.ts";
import { defineChatTool, stringArgument, ToolInputError } from "./chat-tool.ts";

/** Exact arithmetic for the model, which is bad at it. */
export const calculatorTool = defineChatTool({
  name: "calculator",
  description:
    "Evaluates an arithmetic expression exactly. Supports + - * / % ^ and parentheses, the functions " +
    "sqrt, sin, cos, log (natural logarithm), abs, round, and the constants pi and e. Angles are in radians.",
  parameters: {
    type: "object",
    properties: { expression: { type: "string", description: "For example: (2 + 3) * 4 ^ 2 / sqrt(16)" } },
    required: ["expression"],
  },
  async run(input) {
    const expression = stringArgument(input, "expression", true);
    try {
      return formatArithmeticResult(evaluateArithmetic(expression));
    } catch (error) {
      if (error instanceof ArithmeticError) throw new ToolInputError(`Cannot evaluate: ${error.message}`);
      throw error;
    }
  },
});
