import { importDsl } from "../dsl/import-dsl.ts";
import type { EngineEvent } from "../engine/engine-events.ts";
import { checkInputs, type RunOutcome, runWorkflow } from "../engine/run-workflow.ts";
import type { RunServices } from "../nodes/node-definition.ts";
import { createNodeRegistry } from "../nodes/registry.ts";
import { readDifyFixture } from "./dify-fixtures.ts";

const registry = createNodeRegistry();

/** Imports a Dify fixture and runs it in this process, collecting its events. */
export async function runFixture(
  name: string,
  options: { inputs?: Record<string, unknown>; query?: string; services?: Partial<RunServices> } = {},
): Promise<RunOutcome & { events: EngineEvent[] }> {
  const { definition } = importDsl(readDifyFixture(name), registry);
  const events: EngineEvent[] = [];
  const outcome = await runWorkflow({
    definition,
    registry,
    services: { workspaceId: "ws_test", apiKeyId: null, mode: definition.mode, ...options.services },
    inputs: checkInputs(definition, options.inputs ?? {}),
    system: { workflow_run_id: "run_test", query: options.query ?? "", conversation_id: "conv_test" },
    onEvent: (event) => events.push(event),
  });
  return { ...outcome, events };
}
