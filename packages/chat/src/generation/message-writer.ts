import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import type { GenerationRun } from "./generation-run.ts";

export interface MessageWriterOptions {
  /** At most one write of the content so far per interval. Default 250 ms. */
  intervalMs?: number;
  /**
   * A generating message is touched at least this often, even while the model is silent, so
   * other replicas can tell a live generation from one whose process died. Default 10 s.
   */
  heartbeatMs?: number;
  /** Told when a write fails (the run goes on; the next write carries everything). */
  onError?(error: unknown): void;
  /** Writes wait for this (the insert of the message row); when it fails, they find no row. */
  after?: Promise<unknown>;
}

/**
 * Stores a run's progress in its message row: the row is what a client reads when it
 * reconnects and what other replicas read for a snapshot. Writes are throttled and never
 * overlap; the final write sets the status, usage and error.
 */
export class MessageWriter {
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private lastWriteAt = 0;
  private writing: Promise<void>;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly run: GenerationRun,
    private readonly options: MessageWriterOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 250;
    this.writing = (options.after ?? Promise.resolve()).then(
      () => {},
      () => {},
    );
    this.heartbeat = setInterval(() => this.enqueueProgress(), options.heartbeatMs ?? 10_000);
    this.heartbeat.unref();
  }

  /** The run produced something: store it within the interval. */
  changed(): void {
    if (this.timer || this.closed) return;
    const wait = Math.max(0, this.lastWriteAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueueProgress();
    }, wait);
  }

  /** Stores the final state once writes in flight are done; no progress write follows it. */
  async finish(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    await this.writing;
    const { run } = this;
    const now = new Date().toISOString();
    await this.attempt(async () => {
      await this.db
        .updateTable("chat_messages")
        .set({
          content: run.content,
          parts: JSON.stringify(run.parts),
          status: run.status,
          error: run.error?.message ?? null,
          usage: run.usage ? JSON.stringify(run.usage) : null,
          updated_at: now,
        })
        .where("id", "=", run.messageId)
        .execute();
      await this.db
        .updateTable("chat_conversations")
        .set({ updated_at: now })
        .where("id", "=", run.conversationId)
        .execute();
    });
  }

  private enqueueProgress(): void {
    if (this.closed) return;
    this.lastWriteAt = Date.now();
    const { run } = this;
    this.writing = this.writing.then(() =>
      this.attempt(async () => {
        await this.db
          .updateTable("chat_messages")
          .set({
            content: run.content,
            parts: JSON.stringify(run.parts),
            updated_at: new Date().toISOString(),
          })
          .where("id", "=", run.messageId)
          .where("status", "=", "generating")
          .execute();
      }),
    );
  }

  private async attempt(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
