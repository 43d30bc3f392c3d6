import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for an OpenAI-compatible model server that answers Stagehand's structured requests
 * from a script recorded per test: a real HTTP server on 127.0.0.1 speaking `/v1/models` and
 * `/v1/chat/completions` (JSON and SSE) exactly as OpenAI does. The gateway reaches it as any
 * upstream; nothing in the code under test knows it is a double.
 *
 * Each chat request takes the next step of the script. A step names the kind of call it expects
 * (`act`, `observe`, `extract`, `metadata` by the request's `response_format.json_schema.name`,
 * `agent` when tools are offered, `text` otherwise) and what to answer; a request of another kind,
 * or one past the end, is answered 500 with the mismatch spelled out, so a test fails loudly.
 *
 * @example
 * const model = await startScriptedModelServer([
 *   { kind: "act", reply: (call) => ({ json: actOn(call.elementId(/button: Log in/), "click") }) },
 * ]);
 */
export type ModelCallKind = "act" | "observe" | "extract" | "metadata" | "agent" | "text";

export interface ScriptedCall {
  kind: ModelCallKind;
  body: Record<string, unknown>;
  /** All message text of the request, joined. */
  prompt: string;
  /** The `[frame-node]` id on the accessibility-tree line matching `line`; throws when none does. */
  elementId(line: RegExp): string;
}

export type ScriptedReply =
  | { json: unknown }
  | { text: string }
  | { toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> };

export interface ScriptStep {
  kind: ModelCallKind;
  /** Extra milliseconds before this answer (on top of the server's latency). */
  delayMs?: number;
  reply: ScriptedReply | ((call: ScriptedCall) => ScriptedReply);
}

export interface ScriptedModelServer {
  /** `http://127.0.0.1:<port>/v1`. */
  baseURL: string;
  /** The model name it serves. */
  model: string;
  /** Chat request bodies received, in order. */
  calls: Array<Record<string, unknown>>;
  /** Replaces the script (the next request takes its first step). */
  load(script: ScriptStep[]): void;
  /** Steps not consumed yet. */
  remaining(): number;
  /** Milliseconds every chat answer waits first (a model's latency). */
  latencyMs: number;
  close(): Promise<void>;
}

export async function startScriptedModelServer(
  script: ScriptStep[] = [],
  options: { model?: string; latencyMs?: number } = {},
): Promise<ScriptedModelServer> {
  const model = options.model ?? "browser-test";
  let steps = [...script];
  const calls: Array<Record<string, unknown>> = [];
  let counter = 0;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = (request.url ?? "/").split("?")[0];
      if (request.method === "GET" && path === "/v1/models") {
        return sendJson(response, 200, {
          object: "list",
          data: [{ id: model, object: "model", created: 1_700_000_000, owned_by: "test" }],
        });
      }
      if (request.method !== "POST" || path !== "/v1/chat/completions") {
        return sendError(response, 404, `Unknown request URL: ${request.method} ${path}`);
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return sendError(response, 400, "We could not parse the JSON body of your request.");
      }
      calls.push(body);
      const delay = handle.latencyMs + (steps[0]?.delayMs ?? 0);
      setTimeout(() => answer(body, response, `chatcmpl-scripted${++counter}`), delay);
    });
  });

  function answer(body: Record<string, unknown>, response: ServerResponse, id: string) {
    const call = scriptedCall(body);
    const step = steps.shift();
    if (!step)
      return sendError(response, 500, `Script exhausted: unexpected ${call.kind} call`, "server_error");
    if (step.kind !== call.kind) {
      return sendError(
        response,
        500,
        `Script expected a ${step.kind} call, got ${call.kind}`,
        "server_error",
      );
    }
    let reply: ScriptedReply;
    try {
      reply = typeof step.reply === "function" ? step.reply(call) : step.reply;
    } catch (error) {
      return sendError(response, 500, `Script step failed: ${(error as Error).message}`, "server_error");
    }
    const content = "json" in reply ? JSON.stringify(reply.json) : "text" in reply ? reply.text : null;
    const toolCalls =
      "toolCalls" in reply
        ? reply.toolCalls.map((toolCall, index) => ({
            id: `call_${id}_${index}`,
            type: "function" as const,
            function: { name: toolCall.name, arguments: JSON.stringify(toolCall.arguments) },
          }))
        : undefined;
    const promptTokens = Math.ceil(call.prompt.length / 4);
    const completionTokens = Math.ceil((content ?? JSON.stringify(toolCalls)).length / 4);
    const message = { role: "assistant", content, ...(toolCalls ? { tool_calls: toolCalls } : {}) };
    const finishReason = toolCalls ? "tool_calls" : "stop";
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    if (body.stream === true) return stream(response, id, message, finishReason, usage);
    sendJson(response, 200, {
      id,
      object: "chat.completion",
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage,
    });
  }

  function stream(
    response: ServerResponse,
    id: string,
    message: { content: string | null; tool_calls?: unknown[] },
    finishReason: string,
    usage: Record<string, number>,
  ) {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (delta: unknown, finish: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created: 1_700_000_000,
        model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...extra,
      })}\n\n`;
    response.write(chunk({ role: "assistant", content: message.content ?? "" }, null));
    if (message.tool_calls) {
      const indexed = message.tool_calls.map((toolCall, index) => ({ index, ...(toolCall as object) }));
      response.write(chunk({ tool_calls: indexed }, null));
    }
    response.write(chunk({}, finishReason, { usage }));
    response.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const handle: ScriptedModelServer = {
    baseURL: `http://127.0.0.1:${port}/v1`,
    model,
    calls,
    latencyMs: options.latencyMs ?? 0,
    load: (next) => {
      steps = [...next];
    },
    remaining: () => steps.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return handle;
}

function scriptedCall(body: Record<string, unknown>): ScriptedCall {
  const messages = (body.messages ?? []) as Array<{ content?: unknown }>;
  const prompt = messages.map((message) => textOf(message.content)).join("\n");
  const format = body.response_format as { type?: string; json_schema?: { name?: string } } | undefined;
  const schemaName = format?.json_schema?.name?.toLowerCase();
  const tools = body.tools as unknown[] | undefined;
  const kind: ModelCallKind = tools?.length
    ? "agent"
    : schemaName === "act"
      ? "act"
      : schemaName === "observation"
        ? "observe"
        : schemaName === "extraction"
          ? "extract"
          : schemaName === "metadata"
            ? "metadata"
            : "text";
  return {
    kind,
    body,
    prompt,
    elementId(line) {
      for (const text of prompt.split("\n")) {
        const match = /\[(\d+-\d+)\]/.exec(text);
        if (match?.[1] && line.test(text)) return match[1];
      }
      throw new Error(`no element on a line matching ${line} in the ${kind} prompt`);
    },
  };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (part as { text?: string }).text ?? "").join("");
  return "";
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  type = "invalid_request_error",
) {
  sendJson(response, status, { error: { message, type, param: null, code: null } });
}
