import type { LiveRun } from "./live-run.ts";

/**
 * The runs this process runs or follows, by run id (readable, and replayable for a while after
 * they end) and by task id (stoppable while they run).
 */
export class LiveRuns {
  private readonly byRun = new Map<string, LiveRun>();
  private readonly byTask = new Map<string, LiveRun>();

  /** @param retentionMs how long a finished run's events stay replayable. */
  constructor(private readonly retentionMs: number) {}

  get size(): number {
    return this.byRun.size;
  }

  add(run: LiveRun): void {
    this.byRun.set(run.identity.runId, run);
    this.byTask.set(run.identity.taskId, run);
  }

  has(runId: string): boolean {
    return this.byRun.has(runId);
  }

  get(runId: string): LiveRun | undefined {
    return this.byRun.get(runId);
  }

  /** A run by its run id or its task id. */
  find(id: string): LiveRun | undefined {
    return this.byRun.get(id) ?? this.byTask.get(id);
  }

  values(): IterableIterator<LiveRun> {
    return this.byRun.values();
  }

  /** The run ended: its task id no longer stops it. */
  ended(run: LiveRun): void {
    this.byTask.delete(run.identity.taskId);
  }

  /** Drops the run (whichever object holds its id by then) once its events need no replay. */
  forgetLater(runId: string): void {
    setTimeout(() => this.byRun.delete(runId), this.retentionMs).unref?.();
  }

  clear(): void {
    this.byRun.clear();
  }
}
