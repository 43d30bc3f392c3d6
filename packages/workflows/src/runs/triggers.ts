import { createHash } from "node:crypto";
import { type Database, type EventBus, invalidRequest, type Queue } from "@nexus/core";
import type { Kysely } from "kysely";
import { parseApiRoute } from "../store/api-trigger-paths.ts";
import {
  createTrigger,
  deleteTrigger,
  getTrigger,
  type Trigger,
  type TriggerKind,
  triggersOfKind,
} from "../store/trigger-repository.ts";
import { getWorkflow } from "../store/workflow-repository.ts";
import type { WorkflowService } from "./workflow-service.ts";

/** The core.queue queue trigger firings go through (cron ticks, events): each fires once across replicas. */
export const workflowTriggersQueue = "workflow-triggers";

interface Firing {
  triggerId: string;
  payload?: unknown;
}

const cronPattern = /^(\S+\s+){4,5}\S+$/;
const topicPattern = /^[A-Za-z0-9_.:-]{1,200}\*?$/;

/**
 * Starts workflows from triggers (Motia's steps): api routes (answered by the server's
 * `/api/apps/<workspace-slug>/...` route), webhooks (a secret URL), cron (a core.queue
 * repeatable job: one run per tick across all replicas) and events (a core.events topic; every
 * replica hears an event, and the queue's job id, derived from the event, lets one run it).
 */
export class WorkflowTriggers {
  private readonly subscriptions = new Map<string, () => Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly service: WorkflowService,
    private readonly queue: Queue,
    private readonly events: EventBus,
    private readonly onError: (error: unknown, context: string) => void = () => {},
  ) {}

  /** Takes trigger firings from the queue and subscribes to every event trigger. Call once per process. */
  async start(): Promise<void> {
    this.queue.process<Firing>(workflowTriggersQueue, (job) => this.fire(job.data), { concurrency: 8 });
    for (const trigger of await triggersOfKind(this.db, "event")) await this.subscribe(trigger);
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.subscriptions.values()) await unsubscribe().catch(() => {});
    this.subscriptions.clear();
  }

  async create(
    workspaceId: string,
    workflowId: string,
    fields: {
      kind: TriggerKind;
      cron?: string;
      topic?: string;
      method?: string;
      path?: string;
      inputs?: Record<string, unknown>;
    },
  ): Promise<{ trigger: Trigger; token?: string }> {
    await getWorkflow(this.db, workspaceId, workflowId);
    if (fields.kind === "api") {
      // An api trigger is a row and nothing else: the server's route reads it on each request.
      return createTrigger(this.db, {
        workspaceId,
        workflowId,
        kind: "api",
        api: parseApiRoute(fields.method, fields.path),
        ...(fields.inputs ? { inputs: fields.inputs } : {}),
      });
    }
    if (fields.kind === "cron" && !(fields.cron && cronPattern.test(fields.cron.trim()))) {
      throw invalidRequest(
        "A cron trigger needs a cron expression of 5 or 6 fields, e.g. '*/5 * * * *'",
        "cron",
      );
    }
    if (fields.kind === "event" && !(fields.topic && topicPattern.test(fields.topic))) {
      throw invalidRequest("An event trigger needs a topic like 'orders.created' (or 'orders.*')", "topic");
    }
    const created = await createTrigger(this.db, { workspaceId, workflowId, ...fields });
    if (fields.kind === "cron") {
      try {
        await this.queue.schedule(workflowTriggersQueue, created.trigger.id, fields.cron as string, {
          triggerId: created.trigger.id,
        });
      } catch (error) {
        await deleteTrigger(this.db, workspaceId, created.trigger.id);
        throw invalidRequest(`Invalid cron expression: ${(error as Error).message}`, "cron");
      }
    }
    if (fields.kind === "event") await this.subscribe(created.trigger);
    return created;
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    const trigger = await deleteTrigger(this.db, workspaceId, id);
    if (trigger.kind === "cron") await this.queue.unschedule(workflowTriggersQueue, trigger.id);
    await this.subscriptions.get(trigger.id)?.();
    this.subscriptions.delete(trigger.id);
  }

  private async subscribe(trigger: Trigger): Promise<void> {
    if (!trigger.topic || this.subscriptions.has(trigger.id)) return;
    const unsubscribe = await this.events.subscribe(trigger.topic, (event) => {
      // The same id on every replica: the queue keeps one job, so the event runs the workflow once.
      const jobId = `evt-${createHash("sha256")
        .update(`${trigger.id}|${event.topic}|${event.at}|${JSON.stringify(event.payload)}`)
        .digest("hex")
        .slice(0, 40)}`;
      this.queue
        .enqueue(workflowTriggersQueue, "event", { triggerId: trigger.id, payload: event.payload }, { jobId })
        .catch((error) => this.onError(error, `event trigger ${trigger.id}`));
    });
    this.subscriptions.set(trigger.id, unsubscribe);
  }

  /** Runs the trigger's workflow once; the payload (an object) goes over the trigger's inputs. */
  async fire(firing: Firing): Promise<string> {
    const trigger = await getTrigger(this.db, firing.triggerId);
    if (!trigger) return "trigger deleted";
    const payload =
      firing.payload && typeof firing.payload === "object" && !Array.isArray(firing.payload)
        ? firing.payload
        : {};
    const live = await this.service.start(trigger.workspaceId, trigger.workflowId, {
      inputs: { ...trigger.inputs, ...(payload as Record<string, unknown>) },
      triggeredFrom: trigger.kind,
      apiKeyId: null,
    });
    return (await live.done).status;
  }
}
