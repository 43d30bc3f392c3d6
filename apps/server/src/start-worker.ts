import { createBrowserTasks, SessionStateStore } from "@nexus/browser";
import {
  type Config,
  createLogger,
  createSecretBox,
  describeStore,
  instanceSecret,
  type Logger,
  type StoreOptions,
} from "@nexus/core";
import {
  configurePythonSandbox,
  McpServerStore,
  serveWorkflowRuns,
  WorkflowService,
  warmUpCodeSandbox,
} from "@nexus/workflows";
import { openBrowser, workflowBrowser } from "./browser-wiring.ts";
import { openKnowledge, workflowKnowledgeRetriever } from "./knowledge-wiring.ts";
import { openServices } from "./open-services.ts";

export interface WorkerOptions {
  logger?: Logger;
  /** Overrides the store options derived from config (tests use a PostgreSQL schema each). */
  store?: StoreOptions;
  /** Prefix for Redis keys and channels; default NEXUS_REDIS_PREFIX, else `nexus`. */
  redisPrefix?: string;
}

export interface RunningWorker {
  /** This process as recorded on the workflow runs it runs (`workflow_runs.runner_id`). */
  runnerId: string;
  /**
   * Graceful stop: take no new jobs; runs that end within the grace (NEXUS_SHUTDOWN_GRACE_MS) end
   * here; the rest are stopped with their state stored and their jobs go back to the queue, where
   * another worker resumes each after its last finished node.
   */
  stop(): Promise<void>;
}

/**
 * A `nexus worker` process: no HTTP server, the same store, queue, events and model gateway as
 * the servers. It runs queued workflow runs (with knowledge retrieval and browser nodes),
 * recorded browser tasks (their schedules' ticks and runs queued on demand) and knowledge
 * ingestion jobs.
 */
export async function startWorker(config: Config, options: WorkerOptions = {}): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const services = await openServices(config, {
    logger,
    ...(options.store ? { store: options.store } : {}),
    ...(options.redisPrefix !== undefined ? { redisPrefix: options.redisPrefix } : {}),
  });
  const { dependencies } = services;
  const { queue, events } = dependencies;
  try {
    const knowledge = await openKnowledge(dependencies);
    knowledge.start();
    configurePythonSandbox({
      ...(config.pythonPath ? { interpreter: config.pythonPath } : {}),
      ...(config.pythonMaxConcurrency ? { maxConcurrency: config.pythonMaxConcurrency } : {}),
    });
    const browser = openBrowser(dependencies);
    const allowedHosts = config.workflowHttpAllowedHosts;
    const service = new WorkflowService({
      db: dependencies.store.db,
      gateway: dependencies.gateway,
      knowledge: workflowKnowledgeRetriever(knowledge),
      browser: workflowBrowser(
        browser,
        new SessionStateStore(dependencies.store.db, createSecretBox(instanceSecret(config))),
      ),
      mcpServers: new McpServerStore(dependencies.store.db, createSecretBox(instanceSecret(config))),
      dispatch: { queue, events },
      events,
      ...(allowedHosts.length > 0 ? { allowedHosts } : {}),
      limits: { maxSteps: config.workflowMaxSteps, maxDurationMs: config.workflowMaxDurationMs },
      onError: (error, context) => logger.error({ err: error }, `workflows: ${context}`),
    });
    serveWorkflowRuns(queue, service, { concurrency: config.workerConcurrency });
    // Recorded browser tasks: schedule ticks and runs queued on demand (reports in the store).
    createBrowserTasks({
      db: dependencies.store.db,
      browser,
      queue,
      concurrency: config.browserMaxSessions,
      onRunError: (error) => logger.error({ err: error }, "browser task run could not be recorded"),
    });
    void warmUpCodeSandbox();
    logger.info(
      {
        runner: service.runnerId,
        store: describeStore(services.storeOptions),
        queue: queue.kind,
        events: events.kind,
        concurrency: config.workerConcurrency,
      },
      "worker ready",
    );
    let stopping: Promise<void> | undefined;
    return {
      runnerId: service.runnerId,
      stop: () => {
        stopping ??= (async () => {
          const grace = config.shutdownGraceMs;
          // The queue stops taking jobs and waits up to `grace` for running ones. Shortly before
          // that, the runs still going are stopped with their state stored and queued again for
          // another worker (WorkflowService.close), so their jobs end here and none is left
          // running here once another worker may have taken it.
          const suspendAfter = Math.max(0, grace - Math.min(2_000, grace / 2));
          const suspend = setTimeout(() => void service.close(), suspendAfter);
          await queue.close(grace);
          clearTimeout(suspend);
          await service.close();
          await browser.close();
          await knowledge.close();
          await services.close();
          logger.info({ runner: service.runnerId }, "worker stopped");
          await new Promise<void>((resolve) => logger.flush(() => resolve()));
        })();
        return stopping;
      },
    };
  } catch (error) {
    await services.close().catch(() => {});
    throw error;
  }
}
