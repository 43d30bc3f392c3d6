import { type EventBus, invalidRequest, NexusError, newId } from "@nexus/core";
import type { HumanInputAnswer } from "../nodes/node-definition.ts";

/** Where a replica asks the process holding a run to answer or stop it; every process listens. */
export const runControlTopic = "workflows.control";
const replyTopic = (requestId: string) => `workflows.control.reply.${requestId}`;

/** What to do to a run (by run id, or by task id for a stop), asked of whichever process holds it. */
export type RunControlAction =
  | { kind: "stop"; workspaceId: string; id: string }
  | { kind: "answer"; workspaceId: string; id: string; nodeId: string; answer: HumanInputAnswer };

/** What the holder did: stopped or answered; nothing waits for that node; the answer does not fit the form. */
export type RunControlReply =
  | { result: "done" }
  | { result: "not-waiting" }
  | { result: "invalid"; message: string };

type RunControlRequest = RunControlAction & { requestId: string };

/**
 * Routes answers and stops to the process holding a run, over the shared event bus: each process
 * acts on the runs it holds and replies; the asking process waits a bounded time for a reply.
 */
export class RunControl {
  private readonly listening: Promise<() => Promise<void>>;

  constructor(
    private readonly bus: EventBus,
    /** Acts on a run held here; undefined when this process does not hold it (it stays silent). */
    act: (action: RunControlAction) => RunControlReply | undefined,
    private readonly waitMs: number,
    onError: (error: unknown, context: string) => void,
  ) {
    this.listening = bus.subscribe<RunControlRequest>(runControlTopic, ({ payload }) => {
      const { requestId, ...action } = payload;
      let reply: RunControlReply | undefined;
      try {
        reply = act(action);
      } catch (error) {
        if (!(error instanceof NexusError) || error.type !== "invalid_request") throw error;
        reply = { result: "invalid", message: error.message };
      }
      if (!reply) return;
      bus
        .publish<RunControlReply>(replyTopic(requestId), reply)
        .catch((error) => onError(error, `replying to a ${action.kind} of run ${action.id}`));
    });
    this.listening.catch((error) => onError(error, "listening for answers and stops of runs"));
  }

  /**
   * Asks the process holding the run to act, and waits up to `waitMs` for its reply;
   * "no-holder" when none replied (no process holds the run: it is gone). A reply that the answer
   * does not fit the form throws the same 400 the holder would.
   */
  async send(action: RunControlAction): Promise<RunControlReply["result"] | "no-holder"> {
    await this.listening;
    const requestId = newId("ctl");
    let settle!: (reply: RunControlReply | undefined) => void;
    const replied = new Promise<RunControlReply | undefined>((resolve) => {
      settle = resolve;
    });
    const stopWaiting = await this.bus.subscribe<RunControlReply>(replyTopic(requestId), ({ payload }) =>
      settle(payload),
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.bus.publish<RunControlRequest>(runControlTopic, { ...action, requestId });
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.waitMs);
        timer.unref?.();
      });
      const reply = await Promise.race([replied, timeout]);
      if (!reply) return "no-holder";
      if (reply.result === "invalid") throw invalidRequest(reply.message);
      return reply.result;
    } finally {
      clearTimeout(timer);
      await stopWaiting();
    }
  }

  async close(): Promise<void> {
    const stop = await this.listening.catch(() => undefined);
    await stop?.();
  }
}
