import { codeDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { defineNode } from "./node-definition.ts";
import { namedVariables } from "./node-variables.ts";

/** Dify's default code execution limit. */
const codeTimeoutMs = 15_000;

/** Runs the node's `main` in the sandbox (JavaScript in QuickJS, Python 3 in a subprocess). */
export const codeNode = defineNode({
  type: "code",
  sideEffects: true,
  dataSchema: codeDataSchema,
  outputTypes: (data) =>
    Object.fromEntries(
      Object.entries((data.outputs as Record<string, { type?: string | null }> | undefined) ?? {}).flatMap(
        ([name, output]) => (output.type ? [[name, output.type]] : []),
      ),
    ),
  unsupportedReason: (data) => {
    const language = data.code_language ?? "python3";
    return language === "python3" || language === "javascript"
      ? undefined
      : `code language '${String(language)}' is not supported (python3 and javascript are)`;
  },
  run: async ({ node, pool, signal, timeoutMs }) => {
    const { runCode } = await import("../sandbox/run-code.ts");
    const inputs = namedVariables(node.data.variables, pool);
    const outputs = await runCode({
      language: node.data.code_language === "javascript" ? "javascript" : "python3",
      code: String(node.data.code ?? ""),
      inputs,
      // QuickJS runs on this thread, so the sandbox's own deadline must be the node's.
      limits: { timeoutMs: Math.min(timeoutMs, codeTimeoutMs) },
      signal,
    });
    const declared = node.data.outputs as Record<string, unknown> | undefined;
    if (declared && typeof declared === "object") {
      for (const name of Object.keys(declared)) {
        if (!(name in outputs))
          throw new Error(`The code's result has no '${name}', which the node declares as an output`);
      }
    }
    return { outputs, inputs };
  },
});
