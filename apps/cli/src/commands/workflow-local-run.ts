import { existsSync } from "node:fs";
import { type Config, defaultWorkspaceSlug, getWorkspaceBySlug, NexusError } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import type { WorkflowDefinition } from "@nexus/workflows";
import { CliError } from "../cli-error.ts";
import { withLocalStore } from "../local-store.ts";
import { withLocalGateway } from "./local-gateway.ts";
import { readDsl, rethrowAsCli } from "./workflows-command.ts";

export interface RunSummary {
  runId?: string;
  status: string;
  outputs: Record<string, unknown>;
  answer?: string;
  error?: string;
  elapsedMs: number;
  totalSteps: number;
}

const modelNodeTypes = new Set(["llm", "question-classifier", "parameter-extractor"]);

function needsModels(definition: WorkflowDefinition): boolean {
  return definition.graph.nodes.some((node) => modelNodeTypes.has(node.data.type));
}

/**
 * Runs a stored workflow (by id, recorded in the run history) or a DSL file (not imported,
 * not recorded) on the local data directory, with the local gateway only when a node calls a model.
 */
export async function runLocally(
  config: Config,
  workspaceSlug: string | undefined,
  target: string,
  request: { inputs: Record<string, unknown>; query?: string },
): Promise<RunSummary> {
  const workflows = await import("@nexus/workflows");
  const fromFile = target.endsWith(".yml") || target.endsWith(".yaml") || existsSync(target);
  if (fromFile) {
    const registry = workflows.createNodeRegistry();
    const { definition } = (() => {
      try {
        return workflows.importDsl(readDsl(target), registry);
      } catch (error) {
        return rethrowAsCli(error);
      }
    })();
    const run = async (gateway: Gateway | undefined, workspaceId: string) => {
      const inputs = (() => {
        try {
          return workflows.checkInputs(definition, request.inputs);
        } catch (error) {
          return rethrowAsCli(error);
        }
      })();
      if (definition.mode === "advanced-chat" && !request.query)
        throw new CliError("A chat workflow needs --query", 2);
      const outcome = await workflows.runWorkflow({
        definition,
        registry,
        services: { workspaceId, apiKeyId: null, mode: definition.mode, ...(gateway ? { gateway } : {}) },
        inputs,
        system: {
          workflow_run_id: "cli",
          ...(request.query !== undefined ? { query: request.query } : {}),
          user: "cli",
        },
      });
      return {
        status: outcome.status,
        outputs: outcome.outputs,
        ...(definition.mode === "advanced-chat" ? { answer: outcome.answer } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
        elapsedMs: outcome.elapsedMs,
        totalSteps: outcome.totalSteps,
      };
    };
    if (needsModels(definition))
      return withLocalGateway(config, workspaceSlug, (gateway, workspaceId) => run(gateway, workspaceId));
    return withLocalStore(config, async (store) => {
      const workspace = await getWorkspaceBySlug(store.db, workspaceSlug ?? defaultWorkspaceSlug).catch(
        rethrowAsCli,
      );
      return run(undefined, workspace.id);
    });
  }
  return withLocalStore(config, async (store) => {
    const workspace = await getWorkspaceBySlug(store.db, workspaceSlug ?? defaultWorkspaceSlug).catch(
      rethrowAsCli,
    );
    const stored = await workflows.getWorkflow(store.db, workspace.id, target).catch(rethrowAsCli);
    const execute = async (gateway: Gateway | undefined) => {
      const service = new workflows.WorkflowService({ db: store.db, ...(gateway ? { gateway } : {}) });
      try {
        const live = await service.start(workspace.id, target, {
          inputs: request.inputs,
          ...(request.query !== undefined ? { query: request.query } : {}),
          triggeredFrom: "cli",
          apiKeyId: null,
        });
        const outcome = await live.done;
        return {
          runId: live.identity.runId,
          status: outcome.status,
          outputs: outcome.outputs,
          ...(stored.definition.mode === "advanced-chat" ? { answer: outcome.answer } : {}),
          ...(outcome.error ? { error: outcome.error } : {}),
          elapsedMs: outcome.elapsedMs,
          totalSteps: outcome.totalSteps,
        };
      } catch (error) {
        if (error instanceof NexusError) rethrowAsCli(error);
        throw error;
      } finally {
        await service.close();
      }
    };
    if (needsModels(stored.definition))
      return withLocalGateway(config, workspaceSlug, (gateway) => execute(gateway));
    return execute(undefined);
  });
}
