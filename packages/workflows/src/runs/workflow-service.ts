import { type Database, invalidRequest, newId } from "@nexus/core";
import type { Kysely } from "kysely";
import type { ExportOptions } from "../dsl/export-dsl.ts";
import type { ImportReport } from "../dsl/import-dsl.ts";
import { checkInputs } from "../engine/run-workflow.ts";
import type { Graph } from "../graph/graph-types.ts";
import type { HumanInputAnswer, NodeRegistry } from "../nodes/node-definition.ts";
import { createNodeRegistry } from "../nodes/registry.ts";
import { openConversation } from "../store/conversation-repository.ts";
import { heartbeat, markRunStopped, type NewRun } from "../store/run-repository.ts";
import type { StoredWorkflow, WorkflowSummary } from "../store/workflow-repository.ts";
import { type DifyEvent, type RunIdentity, workflowStartedEvent } from "./dify-events.ts";
import { FinishedRunWriter } from "./finished-run-writer.ts";
import { type HumanInputForm, HumanInputWaits, humanInputAnswerProblem } from "./human-input-waits.ts";
import { LiveRun } from "./live-run.ts";
import { LiveRuns } from "./live-runs.ts";
import { runQueuedJob } from "./queued-run-worker.ts";
import { type HumanInputMessage, humanInputTopic, type QueuedRun } from "./queued-runs.ts";
import { RunControl, type RunControlAction, type RunControlReply } from "./run-control.ts";
import { dispatchRun } from "./run-dispatch.ts";
import { executeRun } from "./run-executor.ts";
import { recoverStaleRuns } from "./run-recovery.ts";
import type { RunRuntime } from "./run-runtime.ts";
import { eventBusOf, type StartRunRequest, type WorkflowServiceOptions } from "./workflow-service-options.ts";
import { WorkflowVersions } from "./workflow-versions.ts";

export type { StartRunRequest, WorkflowServiceOptions } from "./workflow-service-options.ts";

/** The node a node or human-input event is about. */
const nodeIdOf = (event: DifyEvent) => (event.data as { node_id?: unknown } | undefined)?.node_id;

/**
 * Workflows of all workspaces: import/save (validated), and runs in this process, persisted as
 * they go (the run row first, each node's result as it finishes, the outcome last) and
 * streamed as Dify events to any number of followers, with replay for reconnecting clients.
 * The work is done by its parts: WorkflowVersions (workflows and versions), executeRun,
 * dispatchRun and runQueuedJob (runs here, to workers, in a worker), recoverStaleRuns.
 */
export class WorkflowService {
  readonly registry: NodeRegistry;
  /** This process, as recorded on the runs it runs. */
  readonly runnerId = newId("runner");
  private readonly db: Kysely<Database>;
  private readonly versions: WorkflowVersions;
  private readonly runs: LiveRuns;
  private readonly runtime: RunRuntime;
  /** Human-input requests of dispatched runs answered through here, by their event's index. */
  private readonly answeredOnWorkers = new WeakMap<LiveRun, Set<number>>();
  /** Answers and stops for runs other processes hold (a Redis event bus shared by replicas). */
  private readonly control: RunControl | undefined;
  private shuttingDown = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WorkflowServiceOptions) {
    this.db = options.db;
    this.registry = options.registry ?? createNodeRegistry();
    this.versions = new WorkflowVersions(options.db, this.registry);
    this.runs = new LiveRuns(options.replayRetentionMs ?? 60_000);
    this.runtime = {
      db: options.db,
      options,
      registry: this.registry,
      runnerId: this.runnerId,
      runs: this.runs,
      finishedWriter: new FinishedRunWriter(options.db),
      humanInput: new HumanInputWaits(),
      dispatched: new WeakSet(),
      followed: new Set(),
      suspending: new WeakSet(),
      shuttingDown: () => this.shuttingDown,
    };
    this.heartbeatTimer = setInterval(() => {
      if (this.runs.size === 0) return;
      heartbeat(this.db, this.runnerId).catch((error) => options.onError?.(error, "workflow run heartbeat"));
    }, options.heartbeatMs ?? 10_000);
    this.heartbeatTimer.unref?.();
    const bus = eventBusOf(options);
    this.control =
      bus?.kind === "redis"
        ? new RunControl(
            bus,
            (action) => this.actOnHeldRun(action),
            options.remoteWaitMs ?? 3_000,
            (error, context) => options.onError?.(error, context),
          )
        : undefined;
  }

  /**
   * Takes over runs whose process died (no heartbeat for `staleAfterMs`) and resumes each after
   * its last recorded node: finished nodes keep their results and do not run again; a
   * side-effecting node that had started runs again, and its result says so. Returns the run ids.
   */
  recover(): Promise<string[]> {
    return recoverStaleRuns(this.runtime);
  }

  importWorkflow(
    workspaceId: string,
    yaml: string,
    name?: string,
  ): Promise<{ workflow: WorkflowSummary; report: ImportReport }> {
    return this.versions.importWorkflow(workspaceId, yaml, name);
  }

  exportWorkflow(workspaceId: string, id: string, options: ExportOptions = {}): Promise<string> {
    return this.versions.exportWorkflow(workspaceId, id, options);
  }

  /** Saves an edited graph as a new version; invalid graphs are refused naming the node. */
  saveGraph(workspaceId: string, id: string, graph: Graph, name?: string): Promise<StoredWorkflow> {
    return this.versions.saveGraph(workspaceId, id, graph, name);
  }

  /** Restores an earlier version's graph as the newest version (rollback is one call). */
  rollback(workspaceId: string, id: string, version: number): Promise<StoredWorkflow> {
    return this.versions.rollback(workspaceId, id, version);
  }

  /** The workflow's summary (mode, version…), from the same cache runs use. */
  async summary(workspaceId: string, workflowId: string): Promise<WorkflowSummary> {
    return (await this.versions.runnable(workspaceId, workflowId)).summary;
  }

  /** Forgets a workflow's cached definition after it changed here. */
  forget(workspaceId: string, workflowId: string): void {
    this.versions.forget(workspaceId, workflowId);
  }

  /**
   * Answers a human-input node of a run paused here, or on the worker this process dispatched
   * it to (the answer goes to that worker over the event bus); false when nothing waits for it.
   * Throws a 400 naming why when the answer does not fit the form (the node keeps waiting).
   */
  answerHumanInput(workspaceId: string, runId: string, nodeId: string, answer: HumanInputAnswer): boolean {
    const run = this.runs.get(runId);
    if (!run || run.workspaceId !== workspaceId) return false;
    const events = this.options.dispatch?.events;
    if (!events || !this.runtime.dispatched.has(run))
      return this.runtime.humanInput.answer(runId, nodeId, answer);
    // The worker's events, mirrored here, say whether the node waits: asked, not finished since,
    // and not answered through here already.
    if (run.finished) return false;
    const asked = run.events.findLastIndex(
      (event) => event.event === "human_input_required" && nodeIdOf(event) === nodeId,
    );
    if (asked === -1) return false;
    const answeredSince = run.events
      .slice(asked + 1)
      .some((event) => event.event === "node_finished" && nodeIdOf(event) === nodeId);
    const answered = this.answeredOnWorkers.get(run) ?? new Set<number>();
    if (answeredSince || answered.has(asked)) return false;
    const form = (run.events[asked] as { data?: { inputs?: unknown; actions?: unknown } }).data;
    const problem = humanInputAnswerProblem(
      {
        fields: (form?.inputs ?? []) as HumanInputForm["fields"],
        actions: (form?.actions ?? []) as HumanInputForm["actions"],
      },
      answer,
    );
    if (problem) throw invalidRequest(problem);
    answered.add(asked);
    this.answeredOnWorkers.set(run, answered);
    events
      .publish<HumanInputMessage>(humanInputTopic(runId), { nodeId, answer })
      .catch((error) => this.options.onError?.(error, `answering human input of run ${runId}`));
    return true;
  }

  liveRun(workspaceId: string, runId: string): LiveRun | undefined {
    const run = this.runs.get(runId);
    return run && run.workspaceId === workspaceId ? run : undefined;
  }

  /** Stops a running run by its run id or task id; false when it is not running here. */
  stop(workspaceId: string, id: string): boolean {
    const run = this.runs.find(id);
    if (!run || run.workspaceId !== workspaceId || run.finished) return false;
    run.controller.abort(new Error("The run was stopped"));
    return true;
  }

  /** Whether answers and stops can reach runs that other processes (replicas, workers) hold. */
  get reachesOtherProcesses(): boolean {
    return this.control !== undefined;
  }

  /**
   * Answers a human-input node of a run another process holds: "done", "not-waiting" (nothing
   * waits for that node), or "no-holder" (no process answered: the one that held it is gone).
   * Throws the holder's 400 when the answer does not fit the form.
   */
  async answerElsewhere(
    workspaceId: string,
    runId: string,
    nodeId: string,
    answer: HumanInputAnswer,
  ): Promise<"done" | "not-waiting" | "no-holder"> {
    if (!this.control) return "no-holder";
    const result = await this.control.send({ kind: "answer", workspaceId, id: runId, nodeId, answer });
    return result === "invalid" ? "not-waiting" : result;
  }

  /**
   * Stops a run (by run id or task id) another process holds. When none holds it (its process
   * is gone) and `markUnheld`, the run id's row is marked stopped so that nobody resumes it.
   */
  async stopElsewhere(workspaceId: string, id: string, markUnheld: boolean): Promise<"done" | "no-holder"> {
    const result = this.control ? await this.control.send({ kind: "stop", workspaceId, id }) : "no-holder";
    if (result === "no-holder" && markUnheld) await markRunStopped(this.db, workspaceId, id);
    return result === "no-holder" ? "no-holder" : "done";
  }

  /** Answers or stops a run this process executes (not one it only follows on a worker). */
  private actOnHeldRun(action: RunControlAction): RunControlReply | undefined {
    const run = this.runs.find(action.id);
    if (!run || run.workspaceId !== action.workspaceId || run.finished) return undefined;
    if (this.runtime.dispatched.has(run)) return undefined;
    if (action.kind === "stop") {
      run.controller.abort(new Error("The run was stopped"));
      return { result: "done" };
    }
    const answered = this.runtime.humanInput.answer(run.identity.runId, action.nodeId, action.answer);
    return { result: answered ? "done" : "not-waiting" };
  }

  /**
   * Validates the request and starts the run; returns at once with the live run to follow.
   * Bad inputs throw a 400 before anything is stored.
   */
  async start(workspaceId: string, workflowId: string, request: StartRunRequest): Promise<LiveRun> {
    const stored = await this.versions.runnable(workspaceId, workflowId, request.version);
    const { definition } = stored;
    const inputs = checkInputs(definition, request.inputs);
    const chat = definition.mode === "advanced-chat";
    if (chat && (request.query === undefined || request.query.trim() === "")) {
      throw invalidRequest("A chat workflow needs a query", "query");
    }
    const conversation = chat
      ? await openConversation(this.db, workspaceId, workflowId, request.conversationId, request.user)
      : undefined;
    const runId = newId("wfr");
    const identity: RunIdentity = {
      runId,
      taskId: newId("task"),
      workflowId,
      ...(conversation ? { conversationId: conversation.id, messageId: newId("msg") } : {}),
    };
    const createdAt = Date.now();
    const record: NewRun = {
      id: runId,
      workspaceId,
      workflowId,
      workflowVersion: stored.summary.version,
      inputs,
      query: request.query,
      conversationId: conversation?.id,
      user: request.user,
      triggeredFrom: request.triggeredFrom,
      createdAt: new Date(createdAt).toISOString(),
      runnerId: this.runnerId,
    };
    const live = new LiveRun(identity, workspaceId, new AbortController(), createdAt);
    this.runs.add(live);
    live.push(workflowStartedEvent(identity, inputs, createdAt));
    if (this.options.dispatch) {
      await dispatchRun(this.runtime, this.options.dispatch, live, record, request);
      return live;
    }
    void executeRun(this.runtime, { live, record, definition, inputs, request, conversation });
    return live;
  }

  /**
   * Runs a queued run in this (worker) process, publishing its events. A job run again after
   * its worker died resumes after the last finished node; a finished run is not run again.
   */
  runQueued(job: QueuedRun): Promise<string> {
    return runQueuedJob(this.runtime, job);
  }

  /** Stops every run of this process and waits for them to record their end. */
  async close(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.control?.close();
    this.shuttingDown = true;
    const { dispatched, followed, suspending } = this.runtime;
    // Runs dispatched to workers go on there; only this process's own runs are stopped and awaited.
    const running = [...this.runs.values()].filter((run) => !run.finished && !dispatched.has(run));
    for (const run of running) {
      suspending.add(run);
      run.controller.abort(new Error("The server is shutting down"));
    }
    // Their streams here end now (a client reads on with GET …/events); an open stream would hold
    // the HTTP server's close until the run finished elsewhere.
    for (const run of followed) if (!run.finished) run.detach();
    followed.clear();
    await Promise.all(running.map((run) => run.done));
    this.runs.clear();
  }
}
