import { createServer, type Socket } from "node:net";
import type { z } from "zod";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../protocol/openai-chat.ts";
import type { ModelProvider } from "../providers/model-provider.ts";
import { createOpenAICompatibleProvider } from "../providers/openai-compatible-provider.ts";
import type { RequestContext } from "../request-context.ts";
import {
  type OpenAITestServer,
  type OpenAITestServerOptions,
  startOpenAITestServer,
} from "../testing/openai-test-server.ts";
import { type Alias, aliasSchema, settleAlias } from "./gateway-config.ts";

/** Test upstreams for router tests: real OpenAI test servers, each behind a real provider `up<N>`. */
export interface Upstreams {
  servers: OpenAITestServer[];
  providers: Map<string, ModelProvider>;
  provider(id: string): ModelProvider | undefined;
  close(): Promise<void>;
}

export async function startUpstreams(
  count: number,
  options: OpenAITestServerOptions = {},
): Promise<Upstreams> {
  const servers = await Promise.all(Array.from({ length: count }, () => startOpenAITestServer(options)));
  const providers = new Map<string, ModelProvider>(
    servers.map((server, index) => [
      `up${index}`,
      createOpenAICompatibleProvider({ id: `up${index}`, baseURL: server.baseURL }),
    ]),
  );
  return {
    servers,
    providers,
    provider: (id) => providers.get(id),
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** A validated alias, as the config store would hand it over. */
export function aliasOf(
  deployments: z.input<typeof aliasSchema>["deployments"],
  extra: Partial<Omit<z.input<typeof aliasSchema>, "deployments">> = {},
): Alias {
  return settleAlias(aliasSchema.parse({ name: "test-alias", deployments, ...extra }));
}

export function contextOf(signal: AbortSignal = new AbortController().signal): RequestContext {
  return { workspaceId: "ws-test", apiKeyId: null, signal, requestId: "req-test" };
}

export const ask = (text: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "test-alias",
  messages: [{ role: "user", content: text }],
  ...extra,
});

export async function textOf(chunks: AsyncIterable<ChatCompletionChunk>): Promise<string> {
  let text = "";
  for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? "";
  return text;
}

/** Polls until `check` holds (a server noticing a closed connection takes a moment). */
export async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A server that accepts connections and drops them at once: an upstream dying before its first byte. */
export async function startDroppingServer(): Promise<{
  baseURL: string;
  connections(): number;
  close(): Promise<void>;
}> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.once("data", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The base URL of a server that was started and closed again: connections are refused. */
export async function closedServerURL(): Promise<string> {
  const server = await startOpenAITestServer();
  await server.close();
  return server.baseURL;
}
