import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import type { NodeRegistry } from "../nodes/node-definition.ts";
import type { FinishedRunWriter } from "./finished-run-writer.ts";
import type { HumanInputWaits } from "./human-input-waits.ts";
import type { LiveRun } from "./live-run.ts";
import type { LiveRuns } from "./live-runs.ts";
import type { WorkflowServiceOptions } from "./workflow-service-options.ts";

/**
 * What the parts of the workflow service (starting, executing, dispatching, recovering runs)
 * share about this process and its runs. The service owns it; the parts only read and update it.
 */
export interface RunRuntime {
  readonly db: Kysely<Database>;
  readonly options: WorkflowServiceOptions;
  readonly registry: NodeRegistry;
  /** This process, as recorded on the runs it runs. */
  readonly runnerId: string;
  readonly runs: LiveRuns;
  readonly finishedWriter: FinishedRunWriter;
  readonly humanInput: HumanInputWaits;
  /** Runs handed to workers through the queue (this process does not execute them). */
  readonly dispatched: WeakSet<LiveRun>;
  /**
   * Queued runs this process follows until a worker reports their end. Kept apart from `runs`:
   * when this process also serves the queue, its worker's LiveRun for the same run replaces the
   * followed one there.
   */
  readonly followed: Set<LiveRun>;
  /** Runs this process stopped because it is shutting down (not because someone stopped them). */
  readonly suspending: WeakSet<LiveRun>;
  /** True once the service began to close. */
  shuttingDown(): boolean;
}
