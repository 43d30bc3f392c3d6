import type { MessagePart } from "../conversations/message-part.ts";
import { withoutNul } from "../storable-text.ts";
import type {
  FinishedStatus,
  GenerationError,
  GenerationEvent,
  GenerationSnapshot,
} from "./generation-events.ts";

export type GenerationListener = (event: GenerationEvent) => void;

/** Why a run was aborted: the user's stop, or this server shutting down. Both end `stopped`. */
export type StopReason = "stop" | "shutdown";

/**
 * One reply being generated in this process: what it has produced so far, who is following it,
 * and the AbortController that stops it. It outlives the HTTP request that started it.
 */
export class GenerationRun {
  content = "";
  readonly parts: MessagePart[] = [];
  status: GenerationSnapshot["status"] = "generating";
  error: GenerationError | null = null;
  usage: { promptTokens: number; completionTokens: number } | null = null;
  readonly controller = new AbortController();
  stopReason: StopReason | undefined;
  private readonly listeners = new Set<GenerationListener>();
  private settle!: () => void;
  /** Settles once the final state is stored and `done` was sent. */
  readonly finished = new Promise<void>((resolve) => {
    this.settle = resolve;
  });

  constructor(
    readonly messageId: string,
    readonly conversationId: string,
    /** Sends each event to other replicas (core.events); must not throw. */
    private readonly publish: (event: GenerationEvent) => void,
  ) {}

  snapshot(): GenerationSnapshot {
    return { content: this.content, parts: [...this.parts], status: this.status };
  }

  /** Follows the run from now on; returns the function that stops following. */
  listen(listener: GenerationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  appendText(generated: string): void {
    // PostgreSQL text cannot hold NUL; a model that emits one must not make the reply unstorable.
    const text = withoutNul(generated);
    if (text === "") return;
    const offset = this.content.length;
    this.content += text;
    this.emit({ type: "delta", offset, text });
  }

  addPart(part: MessagePart): void {
    this.parts.push(part);
    this.emit({ type: "tool", index: this.parts.length - 1, part });
  }

  addUsage(usage: { promptTokens: number; completionTokens: number } | undefined): void {
    if (!usage) return;
    this.usage = {
      promptTokens: (this.usage?.promptTokens ?? 0) + usage.promptTokens,
      completionTokens: (this.usage?.completionTokens ?? 0) + usage.completionTokens,
    };
  }

  stop(reason: StopReason): void {
    this.stopReason ??= reason;
    this.controller.abort(
      new Error(reason === "stop" ? "stopped by the user" : "the server is shutting down"),
    );
  }

  /** Records the final state (before it is stored). */
  finish(status: FinishedStatus, error: GenerationError | null): void {
    this.status = status;
    this.error = error;
  }

  /** Tells every follower it is over, after the final state was stored. */
  announceDone(): void {
    this.emit({ type: "done", status: this.status as FinishedStatus, error: this.error });
    this.listeners.clear();
    this.settle();
  }

  private emit(event: GenerationEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A follower's failure (a closed socket) must not stop the generation.
      }
    }
    this.publish(event);
  }
}
