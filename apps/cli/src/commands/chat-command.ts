import type { ChatCompletionChunk, ChatCompletionRequest } from "@nexus/gateway";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom } from "../global-options.ts";
import { withLocalGateway } from "./local-gateway.ts";

interface ChatOptions {
  model?: string;
  system?: string;
  maxTokens?: string;
  url?: string;
  dataDir?: string;
  workspace?: string;
}

export function registerChatCommand(program: Command): void {
  program
    .command("chat")
    .description("Send one prompt and stream the answer to the terminal")
    .argument("<prompt>", "what to ask")
    .option("--model <model>", "model to use (see `nexus models list`; default: the first listed)")
    .option("--system <text>", "system prompt")
    .option("--max-tokens <n>", "stop after this many tokens")
    .option("--url <url>", "use a running server (needs NEXUS_API_KEY)")
    .option("--data-dir <dir>", "local data directory")
    .option("--workspace <slug>", "workspace whose aliases and limits apply (local only; default nexus-os)")
    .action(async (prompt: string, options: ChatOptions) => {
      const maxTokens = options.maxTokens === undefined ? undefined : Number(options.maxTokens);
      if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens <= 0)) {
        throw new CliError("--max-tokens must be a positive whole number", 2);
      }
      const request: ChatCompletionRequest = {
        model: options.model ?? "",
        stream: true,
        messages: [
          ...(options.system ? [{ role: "system" as const, content: options.system }] : []),
          { role: "user", content: prompt },
        ],
        ...(maxTokens ? { max_tokens: maxTokens } : {}),
      };
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      if (options.url) {
        await printStream(streamFromServer(options.url, request, controller.signal));
        return;
      }
      await withLocalGateway(configFrom(options), options.workspace, async (gateway, workspaceId) => {
        const context = { workspaceId, apiKeyId: null, signal: controller.signal };
        if (!request.model) request.model = await firstModel(() => gateway.listModels(context));
        await printStream(gateway.stream(request, context));
      });
    });
}

async function firstModel(list: () => Promise<Array<{ id: string }>>): Promise<string> {
  const [model] = await list();
  if (!model) {
    throw new CliError(
      "No model available: copy a .gguf file into the models directory or set NEXUS_OPENAI_UPSTREAMS",
    );
  }
  return model.id;
}

async function printStream(chunks: AsyncIterable<ChatCompletionChunk>): Promise<void> {
  // Loaded on demand, like the gateway itself: other commands start without it.
  const { ProviderError } = await import("@nexus/gateway");
  try {
    for await (const chunk of chunks) {
      const text = chunk.choices[0]?.delta.content;
      if (text) process.stdout.write(text);
    }
    process.stdout.write("\n");
  } catch (error) {
    if (error instanceof ProviderError) throw new CliError(error.message);
    throw error;
  }
}

async function* streamFromServer(
  url: string,
  request: ChatCompletionRequest,
  signal: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  const key = process.env.NEXUS_API_KEY;
  if (!key) throw new CliError("--url needs an API key in the NEXUS_API_KEY environment variable", 2);
  const base = url.replace(/\/+$/, "");
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  if (!request.model) {
    const listed = await fetch(`${base}/v1/models`, { headers, signal }).catch((error: Error) => {
      throw new CliError(`Cannot reach ${base}: ${error.message}`);
    });
    const body = (await listed.json().catch(() => ({}))) as { data?: Array<{ id: string }> };
    request.model = await firstModel(async () => body.data ?? []);
  }
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers,
    body: JSON.stringify(request),
    signal,
  }).catch((error: Error) => {
    throw new CliError(`Cannot reach ${base}: ${error.message}`);
  });
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {}
    throw new CliError(`Server answered ${response.status}: ${message}`);
  }
  const { readServerSentEvents } = await import("@nexus/gateway");
  for await (const data of readServerSentEvents(response.body)) {
    if (data === "[DONE]") return;
    const parsed = JSON.parse(data) as ChatCompletionChunk | { error: { message: string } };
    if ("error" in parsed) throw new CliError(`The stream failed: ${parsed.error.message}`);
    yield parsed;
  }
}
