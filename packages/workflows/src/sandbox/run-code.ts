import { CodeExecutionError } from "./code-execution-error.ts";
import { type CodeLimits, resolveCodeLimits } from "./code-limits.ts";
import { runJavaScript, warmUpJavaScript } from "./javascript-sandbox.ts";
import { runPython, warmUpPython } from "./python-sandbox.ts";

export { CodeExecutionError, type CodeExecutionErrorKind } from "./code-execution-error.ts";
export type { CodeLimits } from "./code-limits.ts";
export { configurePythonSandbox } from "./python-sandbox.ts";

export type CodeLanguage = "javascript" | "python3";

/**
 * Starts the Python sandbox server and the QuickJS worker threads now, so the first code node
 * of the first run does not pay for them (~200 ms). Safe to call more than once; a failure
 * surfaces on first use instead.
 */
export async function warmUpCodeSandbox(): Promise<void> {
  await Promise.allSettled([warmUpPython(), warmUpJavaScript()]);
}

/** One code node run: Dify semantics, `main` receives the node's input variables by name. */
export interface RunCodeInput {
  language: CodeLanguage;
  code: string;
  inputs: Record<string, unknown>;
  limits?: CodeLimits;
  signal?: AbortSignal;
}

/**
 * Runs a code node's `main` and returns the object it returned.
 * Python: `def main(arg1: str) -> dict`, called as `main(**inputs)` in a sandboxed subprocess.
 * JavaScript: `function main({ arg1 })`, called as `main(inputs)` in QuickJS.
 * Every failure (syntax, exception, time, memory, output size, non-object result, a forbidden
 * operation) throws a CodeExecutionError whose message says which.
 *
 * @example
 * await runCode({ language: "python3", code: "def main(a: int) -> dict:\n    return {'b': a + 1}", inputs: { a: 1 } });
 * // → { b: 2 }
 */
export async function runCode(input: RunCodeInput): Promise<Record<string, unknown>> {
  const limits = resolveCodeLimits(input.limits);
  if (typeof input.code !== "string" || input.code.trim() === "") {
    throw new CodeExecutionError("no_main", "the code node has no code");
  }
  if (input.language === "python3") return await runPython(input.code, input.inputs, limits, input.signal);
  if (input.language === "javascript")
    return await runJavaScript(input.code, input.inputs, limits, input.signal);
  throw new CodeExecutionError("unavailable", `unsupported code language '${String(input.language)}'`);
}
