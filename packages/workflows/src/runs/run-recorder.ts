import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import type { EngineEvent } from "../engine/engine-events.ts";
import type { RunOutcome } from "../engine/run-workflow.ts";
import {
  finishRun,
  insertFinishedRuns,
  insertNodeRuns,
  insertNodeStarts,
  insertRun,
  type NewRun,
  setRunStatus,
} from "../store/run-repository.ts";
import type { FinishedRunWriter } from "./finished-run-writer.ts";

type NodeFinished = Extract<EngineEvent, { type: "node_finished" }>;
type NodeStarted = Extract<EngineEvent, { type: "node_started" }>;

/**
 * Writes one run to the store. A run still going after `recordAfterMs` gets its row then, and
 * each node's result as it finishes (results finishing together share a statement). A run that
 * ends sooner is written once, row, nodes and outcome in one transaction: most API-triggered
 * runs take a millisecond, and five writes each would cost more than the run. A side-effecting
 * node (an HTTP call, a model call) is the exception: the run and that node's start are stored
 * before it acts.
 */
export class RunRecorder {
  private recorded = false;
  private chain: Promise<void> = Promise.resolve();
  private pending: NodeFinished[] = [];
  /** Side-effecting nodes running now, by execution id, to mark as started when the run is written. */
  private readonly acting = new Map<string, NodeStarted>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly run: NewRun,
    private readonly report: (error: unknown) => void,
    recordAfterMs: number,
    alreadyRecorded = false,
    private readonly finishedWriter?: FinishedRunWriter,
  ) {
    if (alreadyRecorded) this.recorded = true;
    else if (recordAfterMs <= 0) this.chain = this.record().catch(this.report);
    else {
      this.timer = setTimeout(() => {
        this.chain = this.chain.then(() => this.record()).catch(this.report);
      }, recordAfterMs);
      this.timer.unref?.();
    }
  }

  /** Writes the run row, the results so far and the starts of nodes acting now; the starts' failure throws. */
  private async record(): Promise<void> {
    if (this.recorded) return;
    this.recorded = true;
    await insertRun(this.db, this.run).catch(this.report);
    await this.flush();
    await insertNodeStarts(this.db, this.run.workspaceId, this.run.id, [...this.acting.values()]);
  }

  /**
   * A side-effecting node is about to act: resolves once its start is stored (the run's row
   * first, if the run was not written yet), so a kill while it acts leaves a trace and the
   * process that resumes the run knows the node may have acted. Rejects when it could not be
   * stored; the node then does not run. Other nodes resolve at once.
   */
  started(event: NodeStarted): Promise<void> {
    if (!event.sideEffects) return Promise.resolve();
    this.acting.set(event.executionId, event);
    if (this.timer) clearTimeout(this.timer);
    const stored = this.chain.then(() =>
      this.recorded ? insertNodeStarts(this.db, this.run.workspaceId, this.run.id, [event]) : this.record(),
    );
    this.chain = stored.catch(this.report);
    return stored;
  }

  private flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    return insertNodeRuns(this.db, this.run.workspaceId, this.run.id, batch).catch(this.report);
  }

  /** Sets the stored status while the run goes on (paused for a person, running again). */
  status(status: "paused" | "running"): void {
    this.chain = this.chain
      .then(() => this.record())
      .then(() => setRunStatus(this.db, this.run.id, status))
      .catch(this.report);
  }

  node(event: NodeFinished): void {
    this.acting.delete(event.executionId);
    this.pending.push(event);
    if (this.recorded && this.pending.length === 1) this.chain = this.chain.then(() => this.flush());
  }

  /**
   * Leaves the run unfinished for another process to resume (this one is shutting down):
   * writes what it has and clears the heartbeat, so the next process that looks takes it over.
   */
  async suspend(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.chain;
    if (!this.recorded) await this.record().catch(this.report);
    else await this.flush();
    await this.db
      .updateTable("workflow_runs")
      .set({ heartbeat_at: null })
      .where("id", "=", this.run.id)
      .execute()
      .catch(this.report);
  }

  /** Writes the outcome (and anything not yet written); resolves once it is stored. */
  async finish(outcome: RunOutcome): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.chain;
    if (!this.recorded) {
      this.recorded = true;
      const nodes = this.pending;
      this.pending = [];
      const finished = { run: this.run, outcome, nodes };
      await (this.finishedWriter
        ? this.finishedWriter.write(finished)
        : insertFinishedRuns(this.db, [finished])
      ).catch(this.report);
      return;
    }
    await this.flush();
    await finishRun(this.db, this.run.id, outcome).catch(this.report);
  }
}
