// A worker thread that runs JavaScript code nodes in QuickJS, one at a time, so a slow or
// looping node never blocks the server's event loop. Plain JavaScript: worker threads load it
// without the TypeScript loader. Messages in: {id, code, inputs (JSON text), limits}; out:
// {id, result} or {id, error: {kind, message}}. javascript-sandbox.ts owns the pool.
import { parentPort } from "node:worker_threads";
import { newQuickJSWASMModule, shouldInterruptAfterDeadline } from "quickjs-emscripten";

const codeFileName = "code.js";
const internalFileName = "nexus-internal.js";
const maxStackBytes = 512 * 1024;

// `console` is a no-op because QuickJS has none and Dify's JavaScript templates may log.
const preludeSource = "globalThis.console = { log() {}, info() {}, warn() {}, error() {}, debug() {} };";
// Runs after the user's code: calls main(inputs), awaits it if async, hands back one JSON string.
const callMainSource = `(() => {
  const finish = (value) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return JSON.stringify({ notObject: Array.isArray(value) ? "array" : value === null ? "null" : typeof value });
    }
    return JSON.stringify({ ok: value });
  };
  if (typeof main !== "function") return JSON.stringify({ noMain: true });
  const returned = main(JSON.parse(globalThis.__nexusInputs));
  if (returned && typeof returned.then === "function") {
    returned.then(
      (value) => { globalThis.__nexusReply = finish(value); },
      (error) => { globalThis.__nexusError = error; },
    );
    return undefined;
  }
  return finish(returned);
})()`;

class CodeFailure extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

const quickJs = await newQuickJSWASMModule();

parentPort?.on("message", (job) => {
  try {
    parentPort?.postMessage({ id: job.id, result: run(job.code, job.inputs, job.limits) });
  } catch (error) {
    const failure =
      error instanceof CodeFailure ? error : new CodeFailure("runtime", String(error?.message ?? error));
    parentPort?.postMessage({ id: job.id, error: { kind: failure.kind, message: failure.message } });
  }
});
parentPort?.postMessage({ ready: true });

function run(code, inputsJson, limits) {
  const pastDeadline = shouldInterruptAfterDeadline(Date.now() + limits.timeoutMs);
  const runtime = quickJs.newRuntime();
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(maxStackBytes);
  runtime.setInterruptHandler(pastDeadline);
  const context = runtime.newContext();
  try {
    evaluate(context, preludeSource, internalFileName, limits);
    const inputsHandle = context.newString(inputsJson);
    context.setProp(context.global, "__nexusInputs", inputsHandle);
    inputsHandle.dispose();
    evaluate(context, code, codeFileName, limits);
    let reply = evaluate(context, callMainSource, internalFileName, limits);
    if (reply === undefined) {
      const jobs = runtime.executePendingJobs();
      if (jobs.error) throw toFailure(context, jobs.error, limits);
      reply = readGlobalReply(context, limits);
    }
    return parseReply(reply, limits);
  } finally {
    context.dispose();
    runtime.dispose();
  }
}

function evaluate(context, source, fileName, limits) {
  const result = context.evalCode(source, fileName);
  if (result.error) throw toFailure(context, result.error, limits);
  const value = result.value;
  try {
    return context.typeof(value) === "string" ? context.getString(value) : undefined;
  } finally {
    value.dispose();
  }
}

function readGlobalReply(context, limits) {
  const error = context.getProp(context.global, "__nexusError");
  if (context.typeof(error) !== "undefined") throw toFailure(context, error, limits);
  error.dispose();
  const reply = context.getProp(context.global, "__nexusReply");
  try {
    if (context.typeof(reply) !== "string") {
      throw new CodeFailure("runtime", "main() returned a promise that never settled");
    }
    return context.getString(reply);
  } finally {
    reply.dispose();
  }
}

function parseReply(reply, limits) {
  if (reply === undefined) throw new CodeFailure("runtime", "main() produced no result");
  const bytes = Buffer.byteLength(reply);
  if (bytes > limits.maxOutputBytes + 8) {
    throw new CodeFailure(
      "output_too_large",
      `the result is ${bytes} bytes of JSON, more than the limit of ${limits.maxOutputBytes}`,
    );
  }
  const parsed = JSON.parse(reply);
  if (parsed.noMain) throw new CodeFailure("no_main", "the code must define a function main(...)");
  if (parsed.notObject)
    throw new CodeFailure("not_object", `main() must return an object, got ${parsed.notObject}`);
  return parsed.ok ?? {};
}

function toFailure(context, handle, limits) {
  let dumped;
  try {
    dumped = context.dump(handle);
  } catch {
    dumped = { name: "Error", message: "the code threw a value that could not be read" };
  } finally {
    handle.dispose();
  }
  const error = typeof dumped === "object" && dumped !== null ? dumped : { message: String(dumped) };
  const message = error.message ?? String(dumped);
  if (error.name === "InternalError" && message === "interrupted") {
    return new CodeFailure("timeout", `the code ran longer than the time limit of ${limits.timeoutMs} ms`);
  }
  if (/out of memory/.test(message)) {
    return new CodeFailure("memory", `memory limit exceeded (${limits.memoryBytes} bytes)`);
  }
  const line = error.stack?.match(/code\.js:(\d+)/)?.[1];
  const text = `${error.name ?? "Error"}: ${message}${line ? ` (line ${line})` : ""}`;
  if (error.name === "SyntaxError") return new CodeFailure("syntax", text);
  if (error.name === "TypeError" && /circular|BigInt/i.test(message)) {
    return new CodeFailure("not_serializable", `main() returned a value that is not JSON: ${message}`);
  }
  return new CodeFailure("runtime", text);
}
