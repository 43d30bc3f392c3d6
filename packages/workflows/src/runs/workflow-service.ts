import { type Database, type EventBus, invalidRequest, newId, type Queue } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import type { Kysely } from "kysely";
import { exportDsl } from "../dsl/export-dsl.ts";
import { type ImportReport, importDsl, markUnsupported } from "../dsl/import-dsl.ts";
import type { EngineEvent } from "../engine/engine-events.ts";
import type { RunLimits } from "../engine/run-state.ts";
import { checkInputs, type RunOutcome, runWorkflow } from "../engine/run-workflow.ts";
import type { Graph, WorkflowDefinition } from "../graph/graph-types.ts";
import { validateGraph } from "../graph/validate-graph.ts";
import type { McpServerDirectory } from "../mcp/mcp-servers.ts";
import type { WorkflowBrowser } from "../nodes/browser-node.ts";
import type { KnowledgeRetriever } from "../nodes/knowledge-retriever.ts";
import type { HumanInputAnswer, HumanInputRequest, NodeRegistry } from "../nodes/node-definition.ts";
import { createNodeRegistry } from "../nodes/registry.ts";
import { openConversation, saveTurn } from "../store/conversation-repository.ts";
import {
  claimRun,
  findStaleRuns,
  heartbeat,
  insertRun,
  type NewRun,
  resumeStateOf,
} from "../store/run-repository.ts";
import {
  createWorkflow,
  getWorkflow,
  type StoredWorkflow,
  updateWorkflow,
  type WorkflowSummary,
} from "../store/workflow-repository.ts";
import { closingEvents, difyEventOf, type RunIdentity, workflowStartedEvent } from "./dify-events.ts";
import { FinishedRunWriter } from "./finished-run-writer.ts";
import { LiveRun } from "./live-run.ts";
import { type QueuedRun, type RunMessage, runTopic, stopTopic, workflowRunsQueue } from "./queued-runs.ts";
import { RunRecorder } from "./run-recorder.ts";

export interface WorkflowServiceOptions {
  db: Kysely<Database>;
  gateway?: Gateway;
  knowledge?: KnowledgeRetriever;
  /** Runs nexus-browser nodes; the sessions a run opens are closed when it ends. */
  browser?: WorkflowBrowser;
  /** The workspaces' MCP servers, for tool and agent nodes naming one by `provider_id`. */
  mcpServers?: McpServerDirectory;
  registry?: NodeRegistry;
  /** Private hosts http-request nodes may call (tests: 127.0.0.1). */
  allowedHosts?: string[];
  defaultModel?: string;
  limits?: Partial<RunLimits>;
  /**
   * A run still going after this long is written (row, then each node as it finishes); one that
   * ends sooner is written once at its end. Default 20 ms; 0 writes every run from its start.
   */
  recordAfterMs?: number;
  /**
   * Runs go to workers through this queue (BullMQ when Redis is configured) and their events
   * come back over this bus; without it runs execute in this process.
   */
  dispatch?: { queue: Queue; events: EventBus };
  /** Where emit-event nodes publish (and the event triggers listen). */
  events?: EventBus;
  /** How often this process says it still runs its runs; default 10 s. */
  heartbeatMs?: number;
  /** How long without a heartbeat before another process takes a run over; default 60 s. */
  staleAfterMs?: number;
  /** How long a finished run's events stay replayable in memory; default 60 s. */
  replayRetentionMs?: number;
  onError?: (error: unknown, context: string) => void;
}

export interface StartRunRequest {
  inputs: Record<string, unknown>;
  query?: string;
  conversationId?: string;
  user?: string;
  files?: unknown[];
  triggeredFrom: string;
  apiKeyId: string | null;
  /** Run this version instead of the current one. */
  version?: number;
}

/**
 * Workflows of all workspaces: import/save (validated), and runs in this process, persisted as
 * they go (the run row first, each node's result as it finishes, the outcome last) and
 * streamed as Dify events to any number of followers, with replay for reconnecting clients.
 */
export class WorkflowService {
  readonly registry: NodeRegistry;
  private readonly live = new Map<string, LiveRun>();
  private readonly byTask = new Map<string, LiveRun>();
  private readonly dispatched = new WeakSet<LiveRun>();
  /**
   * Queued runs this process follows until a worker reports their end. Kept apart from `live`:
   * when this process also serves the queue, its worker's LiveRun for the same run replaces the
   * followed one there.
   */
  private readonly followed = new Set<LiveRun>();
  /** Runs this process stopped because it is shutting down (not because someone stopped them). */
  private readonly suspending = new WeakSet<LiveRun>();
  private shuttingDown = false;
  private readonly finishedWriter: FinishedRunWriter;
  /** Human-input nodes waiting for an answer, by run id then node id. */
  private readonly waiting = new Map<string, Map<string, (answer: HumanInputAnswer) => void>>();
  private readonly definitions = new Map<string, { stored: StoredWorkflow; checkedAt: number }>();
  private readonly db: Kysely<Database>;

  private get eventBus(): EventBus | undefined {
    return this.options.events ?? this.options.dispatch?.events;
  }

  /** This process, as recorded on the runs it runs. */
  readonly runnerId = newId("runner");
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WorkflowServiceOptions) {
    this.db = options.db;
    this.registry = options.registry ?? createNodeRegistry();
    this.finishedWriter = new FinishedRunWriter(options.db);
    this.heartbeatTimer = setInterval(() => {
      if (this.live.size === 0) return;
      heartbeat(this.db, this.runnerId).catch((error) => options.onError?.(error, "workflow run heartbeat"));
    }, options.heartbeatMs ?? 10_000);
    this.heartbeatTimer.unref?.();
  }

  /**
   * Takes over runs whose process died (no heartbeat for `staleAfterMs`) and resumes each after
   * its last recorded node: finished nodes keep their results and do not run again; a
   * side-effecting node that had started runs again, and its result says so. Returns the run ids.
   */
  async recover(): Promise<string[]> {
    // With workers, the queue hands a dead worker's job to another worker instead.
    if (this.options.dispatch) return [];
    const staleBefore = new Date(Date.now() - (this.options.staleAfterMs ?? 60_000)).toISOString();
    const resumed: string[] = [];
    for (const row of await findStaleRuns(this.db, staleBefore)) {
      if (this.live.has(row.id) || !(await claimRun(this.db, row.id, this.runnerId, staleBefore))) continue;
      try {
        const stored = await getWorkflow(this.db, row.workspace_id, row.workflow_id, row.workflow_version);
        const resume = await resumeStateOf(this.db, row.id);
        const conversation =
          stored.definition.mode === "advanced-chat" && row.conversation_id
            ? await openConversation(
                this.db,
                row.workspace_id,
                row.workflow_id,
                row.conversation_id,
                row.end_user ?? undefined,
              )
            : undefined;
        const identity: RunIdentity = {
          runId: row.id,
          taskId: newId("task"),
          workflowId: row.workflow_id,
          ...(conversation ? { conversationId: conversation.id, messageId: newId("msg") } : {}),
        };
        const inputs = JSON.parse(row.inputs) as Record<string, unknown>;
        const request: StartRunRequest = {
          inputs,
          ...(row.query !== null ? { query: row.query } : {}),
          ...(row.end_user !== null ? { user: row.end_user } : {}),
          triggeredFrom: row.triggered_from,
          apiKeyId: null,
        };
        const record: NewRun = {
          id: row.id,
          workspaceId: row.workspace_id,
          workflowId: row.workflow_id,
          workflowVersion: row.workflow_version,
          inputs,
          triggeredFrom: row.triggered_from,
          createdAt: row.created_at,
          runnerId: this.runnerId,
        };
        const createdAt = Date.parse(row.created_at);
        const live = new LiveRun(identity, row.workspace_id, new AbortController(), createdAt);
        this.live.set(row.id, live);
        this.byTask.set(identity.taskId, live);
        live.push(workflowStartedEvent(identity, inputs, createdAt));
        void this.execute(live, record, stored.definition, inputs, request, conversation, resume);
        resumed.push(row.id);
      } catch (error) {
        this.options.onError?.(error, `resuming workflow run ${row.id}`);
      }
    }
    return resumed;
  }

  async importWorkflow(
    workspaceId: string,
    yaml: string,
    name?: string,
  ): Promise<{ workflow: WorkflowSummary; report: ImportReport }> {
    const { definition, report } = importDsl(yaml, this.registry);
    if (name !== undefined && name.trim() !== "") definition.name = name.trim();
    const stored = await createWorkflow(this.db, workspaceId, definition);
    return { workflow: stored.summary, report };
  }

  async exportWorkflow(workspaceId: string, id: string): Promise<string> {
    return exportDsl((await getWorkflow(this.db, workspaceId, id)).definition);
  }

  /** Saves an edited graph as a new version; invalid graphs are refused naming the node. */
  async saveGraph(workspaceId: string, id: string, graph: Graph, name?: string): Promise<StoredWorkflow> {
    const current = await getWorkflow(this.db, workspaceId, id);
    const definition: WorkflowDefinition = {
      ...current.definition,
      graph,
      ...(name !== undefined && name.trim() !== "" ? { name: name.trim() } : {}),
    };
    const unsupported = markUnsupported(graph, this.registry);
    const unknownType = unsupported.find((node) => !this.registry.get(node.type));
    if (unknownType) {
      throw invalidRequest(
        `Node '${unknownType.title}' (${unknownType.id}) has unknown type '${unknownType.type}'`,
        "graph",
      );
    }
    validateGraph(definition, this.registry);
    this.forget(workspaceId, id);
    return updateWorkflow(this.db, workspaceId, id, definition);
  }

  /** Restores an earlier version's graph as the newest version (rollback is one call). */
  async rollback(workspaceId: string, id: string, version: number): Promise<StoredWorkflow> {
    const old = await getWorkflow(this.db, workspaceId, id, version);
    this.forget(workspaceId, id);
    return updateWorkflow(this.db, workspaceId, id, old.definition);
  }

  private waitForPerson(
    live: LiveRun,
    recorder: RunRecorder,
    question: HumanInputRequest,
  ): Promise<HumanInputAnswer> {
    const { identity } = live;
    return new Promise<HumanInputAnswer>((resolve, reject) => {
      let forRun = this.waiting.get(identity.runId);
      if (!forRun) {
        forRun = new Map();
        this.waiting.set(identity.runId, forRun);
      }
      const done = () => {
        forRun.delete(question.nodeId);
        if (forRun.size === 0) {
          this.waiting.delete(identity.runId);
          recorder.status("running");
        }
      };
      forRun.set(question.nodeId, (answer) => {
        done();
        resolve(answer);
      });
      question.signal.addEventListener(
        "abort",
        () => {
          done();
          reject(
            question.signal.reason instanceof Error
              ? question.signal.reason
              : new Error("The run was stopped"),
          );
        },
        { once: true },
      );
      recorder.status("paused");
      live.push({
        event: "human_input_required",
        task_id: identity.taskId,
        workflow_run_id: identity.runId,
        data: {
          node_id: question.nodeId,
          title: question.title,
          form_content: question.formContent,
          inputs: question.fields,
          actions: question.actions,
        },
      });
    });
  }

  /** Answers a human-input node of a run paused here; false when nothing waits for it. */
  answerHumanInput(workspaceId: string, runId: string, nodeId: string, answer: HumanInputAnswer): boolean {
    const run = this.live.get(runId);
    const resolve = this.waiting.get(runId)?.get(nodeId);
    if (!run || run.workspaceId !== workspaceId || !resolve) return false;
    resolve(answer);
    return true;
  }

  liveRun(workspaceId: string, runId: string): LiveRun | undefined {
    const run = this.live.get(runId);
    return run && run.workspaceId === workspaceId ? run : undefined;
  }

  /** Stops a running run by its run id or task id; false when it is not running here. */
  stop(workspaceId: string, id: string): boolean {
    const run = this.live.get(id) ?? this.byTask.get(id);
    if (!run || run.workspaceId !== workspaceId || run.finished) return false;
    run.controller.abort(new Error("The run was stopped"));
    return true;
  }

  /**
   * Validates the request and starts the run; returns at once with the live run to follow.
   * Bad inputs throw a 400 before anything is stored.
   */
  /**
   * The workflow to run. Parsed definitions are kept per id and version (a version never
   * changes), so a run reads one small row instead of parsing the graph again.
   */
  private async runnable(workspaceId: string, workflowId: string, version?: number): Promise<StoredWorkflow> {
    if (version !== undefined) return getWorkflow(this.db, workspaceId, workflowId, version);
    const key = `${workspaceId}/${workflowId}`;
    const cached = this.definitions.get(key);
    // A save in this process drops the entry; one on another replica is seen within a second.
    if (cached && Date.now() - cached.checkedAt < 1000) return cached.stored;
    const row = await this.db
      .selectFrom("workflows")
      .select("version")
      .where("id", "=", workflowId)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    if (cached && row && row.version === cached.stored.summary.version) {
      cached.checkedAt = Date.now();
      return cached.stored;
    }
    const stored = await getWorkflow(this.db, workspaceId, workflowId);
    if (this.definitions.size >= 500) this.definitions.delete(this.definitions.keys().next().value as string);
    this.definitions.set(key, { stored, checkedAt: Date.now() });
    return stored;
  }

  /** The workflow's summary (mode, version…), from the same cache runs use. */
  async summary(workspaceId: string, workflowId: string): Promise<WorkflowSummary> {
    return (await this.runnable(workspaceId, workflowId)).summary;
  }

  /** Forgets a workflow's cached definition after it changed here. */
  forget(workspaceId: string, workflowId: string): void {
    this.definitions.delete(`${workspaceId}/${workflowId}`);
  }

  async start(workspaceId: string, workflowId: string, request: StartRunRequest): Promise<LiveRun> {
    const stored = await this.runnable(workspaceId, workflowId, request.version);
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
    this.live.set(runId, live);
    this.byTask.set(identity.taskId, live);
    live.push(workflowStartedEvent(identity, inputs, createdAt));
    if (this.options.dispatch) {
      await this.dispatch(this.options.dispatch, live, record, request);
      return live;
    }
    void this.execute(live, record, definition, inputs, request, conversation);
    return live;
  }

  /** Queues the run for a worker and mirrors the events the worker publishes into `live`. */
  private async dispatch(
    { queue, events }: { queue: Queue; events: EventBus },
    live: LiveRun,
    record: NewRun,
    request: StartRunRequest,
  ): Promise<void> {
    const { identity } = live;
    this.dispatched.add(live);
    this.followed.add(live);
    await insertRun(this.db, { ...record, runnerId: undefined, status: "queued" });
    const stopListening = await events.subscribe<RunMessage>(runTopic(identity.runId), ({ payload }) => {
      if ("event" in payload) live.push(payload.event);
      else if (!live.finished) {
        this.followed.delete(live);
        live.finish(payload.outcome, []);
        void stopListening();
        this.byTask.delete(identity.taskId);
        setTimeout(
          () => this.live.delete(identity.runId),
          this.options.replayRetentionMs ?? 60_000,
        ).unref?.();
      }
    });
    live.controller.signal.addEventListener("abort", () => {
      events.publish(stopTopic(identity.runId), {}).catch(() => {});
    });
    const job: QueuedRun = {
      runId: identity.runId,
      workspaceId: live.workspaceId,
      taskId: identity.taskId,
      ...(identity.messageId ? { messageId: identity.messageId } : {}),
      request: {
        ...request,
        ...(identity.conversationId ? { conversationId: identity.conversationId } : {}),
      },
    };
    await queue.enqueue(workflowRunsQueue, "run", job, { jobId: identity.runId });
  }

  /**
   * Runs a queued run in this (worker) process, publishing its events. A job run again after
   * its worker died resumes after the last finished node; a finished run is not run again.
   */
  async runQueued(job: QueuedRun): Promise<string> {
    // A job taken while this process shuts down goes to another worker untouched.
    if (this.shuttingDown) return this.handOver(job);
    const row = await this.db
      .selectFrom("workflow_runs")
      .selectAll()
      .where("id", "=", job.runId)
      .where("workspace_id", "=", job.workspaceId)
      .executeTakeFirst();
    const events = this.options.dispatch?.events;
    if (!row) return "no such run";
    if (row.finished_at !== null) {
      // Its worker died after finishing it but maybe before saying so: say it again.
      await events?.publish<RunMessage>(runTopic(row.id), { outcome: outcomeOfRow(row) }).catch(() => {});
      return "already finished";
    }
    const resume = row.runner_id !== null ? await resumeStateOf(this.db, row.id) : undefined;
    await this.db
      .updateTable("workflow_runs")
      .set({ runner_id: this.runnerId, heartbeat_at: new Date().toISOString(), status: "running" })
      .where("id", "=", row.id)
      .execute();
    const stored = await getWorkflow(this.db, row.workspace_id, row.workflow_id, row.workflow_version);
    const { request } = job;
    const conversation =
      stored.definition.mode === "advanced-chat"
        ? await openConversation(
            this.db,
            row.workspace_id,
            row.workflow_id,
            request.conversationId,
            request.user,
          )
        : undefined;
    const identity: RunIdentity = {
      runId: row.id,
      taskId: job.taskId,
      workflowId: row.workflow_id,
      ...(conversation ? { conversationId: conversation.id, messageId: job.messageId ?? newId("msg") } : {}),
    };
    const inputs = JSON.parse(row.inputs) as Record<string, unknown>;
    const createdAt = Date.parse(row.created_at);
    const live = new LiveRun(identity, row.workspace_id, new AbortController(), createdAt);
    this.live.set(row.id, live);
    this.byTask.set(identity.taskId, live);
    live.push(workflowStartedEvent(identity, inputs, createdAt));
    const stopListening = events
      ? await events.subscribe(stopTopic(row.id), () =>
          live.controller.abort(new Error("The run was stopped")),
        )
      : undefined;
    // Once this worker stops the run to shut down, its followers hear nothing more from here:
    // the worker that takes the job over goes on with the run.
    const handingOver = () => this.suspending.has(live);
    if (events)
      live.follow(
        1,
        (event) => {
          // A bus closed by a shutdown loses the followers, not the run.
          if (!handingOver()) void events.publish<RunMessage>(runTopic(row.id), { event }).catch(() => {});
        },
        () => {},
      );
    const record: NewRun = {
      id: row.id,
      workspaceId: row.workspace_id,
      workflowId: row.workflow_id,
      workflowVersion: row.workflow_version,
      inputs,
      triggeredFrom: row.triggered_from,
      createdAt: row.created_at,
      runnerId: this.runnerId,
    };
    await this.execute(live, record, stored.definition, inputs, request, conversation, resume, true);
    const outcome = await live.done;
    await stopListening?.();
    // Suspended, its state stored: the next worker resumes it after its last finished node.
    if (handingOver() && outcome.status === "stopped") return this.handOver(job);
    await events?.publish<RunMessage>(runTopic(row.id), { outcome }).catch(() => {});
    return outcome.status;
  }

  /**
   * Passes a queued run on to another worker because this process is going away: queued again
   * under a new job id (shortly, so a worker still closing here does not take it back), and this
   * job completes at once. Should that fail, the job never settles here, and the queue's close
   * hands it back to the wait list when its grace runs out.
   */
  private async handOver(job: QueuedRun): Promise<string> {
    const queue = this.options.dispatch?.queue;
    try {
      if (!queue) throw new Error("no queue to hand the run to");
      await queue.enqueue(workflowRunsQueue, "run", job, {
        jobId: `${job.runId}-resume-${newId("try")}`,
        delayMs: 500,
      });
      return "handed over";
    } catch (error) {
      this.options.onError?.(error, `handing workflow run ${job.runId} over`);
      return new Promise<string>(() => {});
    }
  }

  private async execute(
    live: LiveRun,
    record: NewRun,
    definition: WorkflowDefinition,
    inputs: Record<string, unknown>,
    request: StartRunRequest,
    conversation: Awaited<ReturnType<typeof openConversation>> | undefined,
    resume?: Awaited<ReturnType<typeof resumeStateOf>>,
    alreadyRecorded = resume !== undefined,
  ): Promise<void> {
    const { identity, workspaceId } = live;
    const report = (error: unknown) => this.options.onError?.(error, `workflow run ${identity.runId}`);
    const recorder = new RunRecorder(
      this.db,
      record,
      report,
      this.options.recordAfterMs ?? 20,
      alreadyRecorded,
      this.finishedWriter,
    );
    const onEvent = (event: EngineEvent) => {
      live.push(difyEventOf(identity, event));
      if (event.type === "node_finished") recorder.node(event);
    };
    const outcome = await runWorkflow({
      definition,
      registry: this.registry,
      services: {
        workspaceId,
        apiKeyId: request.apiKeyId,
        mode: definition.mode,
        ...(this.options.gateway ? { gateway: this.options.gateway } : {}),
        ...(this.options.knowledge ? { knowledge: this.options.knowledge } : {}),
        ...(this.options.browser ? { browser: this.options.browser } : {}),
        ...(this.options.mcpServers ? { mcpServers: this.options.mcpServers } : {}),
        ...(this.options.allowedHosts ? { allowedHosts: this.options.allowedHosts } : {}),
        ...(this.options.defaultModel ? { defaultModel: this.options.defaultModel } : {}),
        ...(conversation ? { memory: conversation.memory } : {}),
        awaitHumanInput: (question) => this.waitForPerson(live, recorder, question),
        ...(this.eventBus
          ? {
              emitEvent: (topic: string, payload: unknown) =>
                (this.eventBus as EventBus).publish(topic, payload),
            }
          : {}),
      },
      inputs,
      system: {
        workflow_run_id: identity.runId,
        workflow_id: identity.workflowId,
        app_id: identity.workflowId,
        user: request.user ?? "",
        files: request.files ?? [],
        ...(request.query !== undefined ? { query: request.query } : {}),
        ...(conversation
          ? { conversation_id: conversation.id, dialogue_count: conversation.memory.length / 2 + 1 }
          : {}),
      },
      ...(conversation ? { conversation: conversation.variables } : {}),
      signal: live.controller.signal,
      ...(this.options.limits ? { limits: this.options.limits } : {}),
      ...(resume ? { resume } : {}),
      onEvent,
      // A side-effecting node acts only once its start is stored (see RunRecorder.started).
      beforeSideEffect: (event) => recorder.started(event),
    });
    // Browser sessions do not outlive the run (nor a handover: a resumed run opens its own).
    await this.options.browser?.closeRun(identity.runId).catch(report);
    if (this.shuttingDown && outcome.status === "stopped") {
      // Not stopped by anyone: this process is going away. Another takes the run over.
      await recorder.suspend();
      const suspended = {
        ...outcome,
        error: "The server shut down; the run resumes on the next one to start",
      };
      live.finish(suspended, closingEvents(identity, suspended, live.createdAt));
      this.byTask.delete(identity.taskId);
      return;
    }
    try {
      await recorder.finish(outcome);
      if (conversation && identity.messageId && outcome.status !== "failed" && outcome.status !== "stopped") {
        await saveTurn(this.db, workspaceId, conversation.id, {
          runId: identity.runId,
          messageId: identity.messageId,
          query: request.query ?? "",
          answer: outcome.answer,
          variables: outcome.conversation,
        });
      }
    } catch (error) {
      report(error);
    }
    live.finish(outcome, closingEvents(identity, outcome, live.createdAt));
    this.byTask.delete(identity.taskId);
    const retention = this.options.replayRetentionMs ?? 60_000;
    setTimeout(() => this.live.delete(identity.runId), retention).unref?.();
  }

  /** Stops every run of this process and waits for them to record their end. */
  async close(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.shuttingDown = true;
    // Runs dispatched to workers go on there; only this process's own runs are stopped and awaited.
    const running = [...this.live.values()].filter((run) => !run.finished && !this.dispatched.has(run));
    for (const run of running) {
      this.suspending.add(run);
      run.controller.abort(new Error("The server is shutting down"));
    }
    // Their streams here end now (a client reads on with GET …/events); an open stream would hold
    // the HTTP server's close until the run finished elsewhere.
    for (const run of this.followed) if (!run.finished) run.detach();
    this.followed.clear();
    await Promise.all(running.map((run) => run.done));
    this.live.clear();
  }
}

/** A finished run's outcome as stored. */
function outcomeOfRow(row: Database["workflow_runs"]): RunOutcome {
  const outputs = row.outputs === null ? {} : (JSON.parse(row.outputs) as Record<string, unknown>);
  return {
    status: row.status as RunOutcome["status"],
    outputs,
    ...(row.error !== null ? { error: row.error } : {}),
    answer: typeof outputs.answer === "string" ? outputs.answer : "",
    totalSteps: row.total_steps,
    totalTokens: row.total_tokens,
    exceptionsCount: 0,
    elapsedMs: row.elapsed_ms ?? 0,
    conversation: {},
  };
}
