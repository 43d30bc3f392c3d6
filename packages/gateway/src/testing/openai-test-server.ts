import { createServer, type ServerResponse } from "node:http";
import { createPromptPrefixCache } from "./prompt-prefix-cache.ts";
import {
  closeServer,
  listenOnLoopback,
  type RecordedRequest,
  recordRequest,
  sendJson,
  sleep,
} from "./test-http.ts";
import {
  adapterCards,
  createVllmTestState,
  handleVllmAdminRoute,
  isRerankPath,
  rerankAnswer,
  type VllmTestState,
} from "./vllm-test-routes.ts";

/**
 * A stand-in for vLLM, Ollama or OpenAI in tests: a real HTTP server on 127.0.0.1 that speaks
 * OpenAI's wire protocol byte for byte (JSON bodies, SSE framing, error bodies, Retry-After), so
 * the code under test goes through real sockets, real fetch and real stream parsing.
 *
 * Answers are deterministic: chat replies `You said: <last user text>` (streamed one word per
 * chunk), calls the first tool with `{"input": <last user text>}` when tools are offered, answers
 * `Tool said: <result>` after a tool message, and `{"echo": <last user text>}` when a JSON
 * response format is asked for. Embeddings are 8 numbers derived from the text. Chat usage reports
 * `prompt_tokens_details.cached_tokens` as vLLM's prefix cache would (see prompt-prefix-cache.ts).
 * Like vLLM it also reranks, loads LoRA adapters at runtime and serves Prometheus `/metrics`
 * (see vllm-test-routes.ts; `vllm: false` leaves them out).
 *
 * Misbehaviour is scripted per model name (see `TestModelBehavior`) or per request with the header
 * `x-test-behavior: <json>`, which wins.
 *
 * @example
 * const upstream = await startOpenAITestServer({ apiKey: "sk-test" });
 * await fetch(`${upstream.baseURL}/models`, { headers: { authorization: "Bearer sk-test" } });
 * upstream.requests[0].path; // "/v1/models"
 * await upstream.close();
 */
export interface TestModelBehavior {
  /** Answer with this HTTP status and an OpenAI error body instead of a completion. */
  status?: number;
  /** Seconds sent as `Retry-After` with the error. */
  retryAfterSeconds?: number;
  /** Milliseconds to wait before the first byte of the response (slow first token). */
  delayMs?: number;
  /** Destroy the socket after this many content chunks of a stream (a server that dies midway). */
  dieAfterChunks?: number;
  /** Milliseconds between stream chunks. */
  chunkIntervalMs?: number;
  /**
   * Streams this many chunks, then holds until `releaseHeld()`: a reply that is certainly still
   * being written however slow the machine is.
   */
  holdAfterChunks?: number;
}

export type { RecordedRequest } from "./test-http.ts";

export interface OpenAITestServer {
  /** `http://127.0.0.1:<port>/v1`, the base URL an OpenAI client takes. */
  baseURL: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** The chat requests received (bodies), newest last. */
  chatRequests(): Array<Record<string, unknown>>;
  /** Lets every stream held by `holdAfterChunks` go on; returns how many were held. */
  releaseHeld(): number;
  /** vLLM's extras (LoRA adapters, `/metrics` gauges); absent when started with `vllm: false`. */
  vllm?: VllmTestState;
  close(): Promise<void>;
}

export interface OpenAITestServerOptions {
  /** When set, requests must send `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Models offered, with scripted behaviour; defaults to `defaultTestModels`. */
  models?: Record<string, TestModelBehavior>;
  /**
   * vLLM's extras (vllm-test-routes.ts): rerank, runtime LoRA adapters, `/metrics`; on by default
   * with these initial values, `false` for a plain OpenAI server without them.
   */
  vllm?: false | Partial<VllmTestState>;
}

/** Chat models `test-chat` (well-behaved), `test-embed` and one per misbehaviour. */
export const defaultTestModels: Record<string, TestModelBehavior> = {
  "test-chat": {},
  "test-embed": {},
  "test-rate-limited": { status: 429, retryAfterSeconds: 7 },
  "test-server-error": { status: 500 },
  "test-slow": { delayMs: 400 },
  "test-dies-midway": { dieAfterChunks: 2 },
  "test-dribble": { chunkIntervalMs: 50 },
  "test-held": { holdAfterChunks: 3 },
};

const created = 1_700_000_000;

export async function startOpenAITestServer(
  options: OpenAITestServerOptions = {},
): Promise<OpenAITestServer> {
  const models = options.models ?? defaultTestModels;
  const requests: RecordedRequest[] = [];
  let counter = 0;
  const prefixCache = createPromptPrefixCache();
  const vllm = options.vllm === false ? undefined : createVllmTestState(options.vllm);
  const baseModel = Object.keys(models)[0] ?? "test-chat";
  const held = new Set<() => void>();
  const hold = () => new Promise<void>((resolve) => held.add(resolve));

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = (request.url ?? "/").split("?")[0] ?? "/";
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return sendError(response, 400, "We could not parse the JSON body of your request.");
      }
      const recorded = recordRequest(requests, request, response, path, body);
      if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
        return sendError(
          response,
          401,
          "Incorrect API key provided.",
          "invalid_request_error",
          "invalid_api_key",
        );
      }
      const id = `chatcmpl-test${++counter}`;
      handle(recorded, response, id).catch(() => response.destroy());
    });
  });

  async function handle(recorded: RecordedRequest, response: ServerResponse, id: string): Promise<void> {
    const { method, path } = recorded;
    if (method === "GET" && path === "/v1/models") {
      return sendJson(response, 200, {
        object: "list",
        data: [
          ...Object.keys(models).map((model) => ({ id: model, object: "model", created, owned_by: "test" })),
          ...(vllm ? adapterCards(vllm, baseModel) : []),
        ],
      });
    }
    const isChat = method === "POST" && path === "/v1/chat/completions";
    const isEmbed = method === "POST" && path === "/v1/embeddings";
    const isRerank = vllm !== undefined && isRerankPath(method, path);
    if (vllm && handleVllmAdminRoute(vllm, recorded, response, () => inFlightChats(requests))) return;
    if (!isChat && !isEmbed && !isRerank) {
      return sendError(response, 404, `Unknown request URL: ${method} ${path}`);
    }
    const body = (recorded.body ?? {}) as Record<string, unknown>;
    const model = String(body.model ?? "");
    const scripted = recorded.headers["x-test-behavior"];
    const behavior: TestModelBehavior | undefined =
      typeof scripted === "string"
        ? JSON.parse(scripted)
        : (models[model] ?? (vllm?.adapters.has(model) ? {} : undefined));
    if (!behavior) {
      return sendError(
        response,
        404,
        `The model \`${model}\` does not exist or you do not have access to it.`,
        "invalid_request_error",
        "model_not_found",
      );
    }
    if (behavior.delayMs) await sleep(behavior.delayMs);
    if (response.destroyed) return;
    if (behavior.status) {
      const headers: Record<string, string> = behavior.retryAfterSeconds
        ? { "retry-after": String(behavior.retryAfterSeconds) }
        : {};
      const type = behavior.status === 429 ? "rate_limit_error" : "server_error";
      return sendError(response, behavior.status, `Scripted failure ${behavior.status}`, type, null, headers);
    }
    if (isEmbed) return sendJson(response, 200, embed(body, model));
    if (isRerank) return sendJson(response, 200, rerankAnswer(body, model, id));
    const reply = replyTo(body);
    const cachedTokens = prefixCache.cachedTokens(body.messages);
    if (body.stream === true) {
      return stream(response, id, model, body, reply, behavior, hold, cachedTokens);
    }
    return sendJson(response, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: reply.content,
            ...(reply.toolCall ? { tool_calls: [reply.toolCall] } : {}),
          },
          logprobs: null,
          finish_reason: reply.toolCall ? "tool_calls" : "stop",
        },
      ],
      usage: usage(body, reply.pieces.length || 1, cachedTokens),
    });
  }

  return {
    baseURL: `${await listenOnLoopback(server)}/v1`,
    requests,
    vllm,
    chatRequests: () =>
      requests
        .filter((request) => request.path === "/v1/chat/completions")
        .map((request) => request.body as Record<string, unknown>),
    releaseHeld() {
      const count = held.size;
      for (const release of held) release();
      held.clear();
      return count;
    },
    close: () => {
      for (const release of held) release();
      return closeServer(server);
    },
  };
}

interface Reply {
  content: string | null;
  /** Content split as it is streamed. */
  pieces: string[];
  toolCall?: { id: string; type: "function"; function: { name: string; arguments: string } };
}

function replyTo(body: Record<string, unknown>): Reply {
  const messages = (body.messages ?? []) as Array<{ role: string; content?: unknown }>;
  const last = messages.at(-1);
  const lastUser = [...messages].reverse().find((message) => message.role === "user");
  const userText = textOf(lastUser?.content);
  const tools = body.tools as Array<{ function: { name: string } }> | undefined;
  if (last?.role === "tool") return textReply(`Tool said: ${textOf(last.content)}`);
  if (tools?.length && body.tool_choice !== "none") {
    const name = tools[0]?.function.name ?? "tool";
    const toolCall = {
      id: "call_test1",
      type: "function" as const,
      function: { name, arguments: JSON.stringify({ input: userText }) },
    };
    return { content: null, pieces: [], toolCall };
  }
  const format = (body.response_format as { type?: string } | undefined)?.type;
  if (format === "json_object" || format === "json_schema")
    return textReply(JSON.stringify({ echo: userText }));
  return textReply(`You said: ${userText}`);
}

function textReply(content: string): Reply {
  return { content, pieces: content.split(/(?<= )/) };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (part as { text?: string }).text ?? "").join("");
  return "";
}

function usage(body: Record<string, unknown>, completionTokens: number, cachedTokens?: number) {
  const promptTokens = JSON.stringify(body.messages ?? body.input ?? "").split(/\s+/).length;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    ...(cachedTokens === undefined ? {} : { prompt_tokens_details: { cached_tokens: cachedTokens } }),
  };
}

async function stream(
  response: ServerResponse,
  id: string,
  model: string,
  body: Record<string, unknown>,
  reply: Reply,
  behavior: TestModelBehavior,
  hold: () => Promise<void>,
  cachedTokens?: number,
): Promise<void> {
  const includeUsage =
    (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  // OpenAI sends `usage: null` on every chunk when usage was asked for, then a last chunk with it.
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
    `data: ${JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    })}\n\n`;
  response.write(chunk({ role: "assistant", content: "" }, null));
  let sent = 0;
  for (const piece of reply.pieces) {
    if (behavior.dieAfterChunks !== undefined && sent >= behavior.dieAfterChunks) {
      // Let the chunks so far reach the client first, as a crash after a flush would.
      await sleep(20);
      response.socket?.destroy();
      return;
    }
    if (behavior.chunkIntervalMs) await sleep(behavior.chunkIntervalMs);
    if (sent === behavior.holdAfterChunks) await hold();
    if (response.destroyed) return;
    response.write(chunk({ content: piece }, null));
    sent++;
  }
  if (reply.toolCall) {
    const { id: callId, type, function: call } = reply.toolCall;
    response.write(
      chunk(
        { tool_calls: [{ index: 0, id: callId, type, function: { name: call.name, arguments: "" } }] },
        null,
      ),
    );
    response.write(chunk({ tool_calls: [{ index: 0, function: { arguments: call.arguments } }] }, null));
  }
  response.write(chunk({}, reply.toolCall ? "tool_calls" : "stop"));
  if (includeUsage) {
    const last = {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [],
      usage: usage(body, sent || 1, cachedTokens),
    };
    response.write(`data: ${JSON.stringify(last)}\n\n`);
  }
  response.end("data: [DONE]\n\n");
}

function embed(body: Record<string, unknown>, model: string) {
  const input = body.input;
  const texts = Array.isArray(input)
    ? input.map((item) => (typeof item === "string" ? item : JSON.stringify(item)))
    : [String(input)];
  const data = texts.map((text, index) => {
    const vector = Array.from({ length: 8 }, (_, dimension) => {
      let hash = dimension + 1;
      for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) % 1000;
      return hash / 1000;
    });
    // The openai client asks for base64 (little-endian float32) by default and decodes it.
    const embedding =
      body.encoding_format === "base64"
        ? Buffer.from(new Float32Array(vector).buffer).toString("base64")
        : vector;
    return { object: "embedding", index, embedding };
  });
  return { object: "list", data, model, usage: { prompt_tokens: texts.length, total_tokens: texts.length } };
}

function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  type = "invalid_request_error",
  code: string | null = null,
  headers: Record<string, string> = {},
) {
  sendJson(response, status, { error: { message, type, param: null, code } }, headers);
}

const inFlightChats = (requests: RecordedRequest[]) =>
  requests.filter(
    (request) => request.path === "/v1/chat/completions" && !request.completed && !request.aborted,
  ).length;
