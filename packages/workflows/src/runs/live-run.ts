import type { RunOutcome } from "../engine/run-workflow.ts";
import type { DifyEvent, RunIdentity } from "./dify-events.ts";

export type EventListener = (event: DifyEvent, sequence: number) => void;

/**
 * A run in progress in this process: its events so far (kept so a client that drops can
 * reconnect and resume from the last event it saw) and the listeners of the rest.
 */
export class LiveRun {
  readonly events: DifyEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private readonly closers = new Set<() => void>();
  outcome?: RunOutcome;
  readonly done: Promise<RunOutcome>;
  private resolveDone!: (outcome: RunOutcome) => void;

  constructor(
    readonly identity: RunIdentity,
    readonly workspaceId: string,
    readonly controller: AbortController,
    readonly createdAt: number,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get finished(): boolean {
    return this.outcome !== undefined;
  }

  push(event: DifyEvent): void {
    this.events.push(event);
    const sequence = this.events.length;
    for (const listener of this.listeners) listener(event, sequence);
  }

  finish(outcome: RunOutcome, closing: DifyEvent[]): void {
    for (const event of closing) this.push(event);
    this.outcome = outcome;
    for (const close of this.closers) close();
    this.listeners.clear();
    this.closers.clear();
    this.resolveDone(outcome);
  }

  /** Ends every follower's stream while the run goes on elsewhere (this process is stopping). */
  detach(): void {
    for (const close of this.closers) close();
    this.listeners.clear();
    this.closers.clear();
  }

  /**
   * Replays the events after `after` (a count of events already seen) and follows new ones;
   * `onClose` runs when the run ends. Returns the unsubscribe function.
   */
  follow(after: number, listener: EventListener, onClose: () => void): () => void {
    for (let index = Math.max(0, after); index < this.events.length; index++) {
      listener(this.events[index] as DifyEvent, index + 1);
    }
    if (this.finished) {
      onClose();
      return () => {};
    }
    this.listeners.add(listener);
    this.closers.add(onClose);
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(onClose);
    };
  }
}
