import type {
  ChatCompletion,
  ChatCompletionRequest,
  ChatMessage,
  Gateway,
  RequestContext,
} from "@nexus/gateway";
import { emptyUsage, type ModelUsage } from "./model-usage.ts";

/**
 * The one door from a browser session to a model: every call Stagehand makes (act, extract,
 * observe, agent) goes through `gateway.generate` in process, under the workspace's routing,
 * limits and usage accounting, on whatever alias the session was opened with (local GGUF, vLLM,
 * a hosted provider). It also counts calls and tokens for the run reports.
 */
export class GatewayCaller {
  readonly usage: ModelUsage = emptyUsage();
  /** The context of the run in progress (its abort signal); set by the session per operation. */
  context: RequestContext;

  constructor(
    readonly gateway: Gateway,
    /** Set when the session is handed to a workspace (sessions may be started ahead of need). */
    public model: string,
    context: RequestContext,
    /** Applied to every text sent to the model (the session's secrets masked out). */
    private readonly redact: (text: string) => string = (text) => text,
  ) {
    this.context = context;
  }

  async generate(request: Omit<ChatCompletionRequest, "model">): Promise<ChatCompletion> {
    const started = performance.now();
    try {
      const completion = await this.gateway.generate(
        {
          ...request,
          messages: (request.messages as ChatMessage[]).map((message) => this.redacted(message)),
          model: this.model,
        } as ChatCompletionRequest,
        this.context,
      );
      this.usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
      this.usage.completionTokens += completion.usage?.completion_tokens ?? 0;
      return completion;
    } finally {
      this.usage.calls++;
      this.usage.modelMs += performance.now() - started;
    }
  }

  private redacted(message: ChatMessage): ChatMessage {
    const content = (message as { content?: unknown }).content;
    if (typeof content === "string") return { ...message, content: this.redact(content) } as ChatMessage;
    if (Array.isArray(content)) {
      const parts = content.map((part: { type: string; text?: string }) =>
        part.type === "text" && typeof part.text === "string"
          ? { ...part, text: this.redact(part.text) }
          : part,
      );
      return { ...message, content: parts } as ChatMessage;
    }
    return message;
  }
}
