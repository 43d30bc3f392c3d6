import { type Database, invalidRequest } from "@nexus/core";
import type { Kysely } from "kysely";
import { type ExportOptions, exportDsl } from "../dsl/export-dsl.ts";
import { type ImportReport, importDsl, markUnsupported } from "../dsl/import-dsl.ts";
import type { Graph, WorkflowDefinition } from "../graph/graph-types.ts";
import { validateGraph } from "../graph/validate-graph.ts";
import type { NodeRegistry } from "../nodes/node-definition.ts";
import {
  createWorkflow,
  getWorkflow,
  type StoredWorkflow,
  updateWorkflow,
  type WorkflowSummary,
} from "../store/workflow-repository.ts";

/**
 * Workflows and their versions: import and export as Dify DSL, saving an edited graph as the next
 * version (validated), rollback, and the definitions runs read (cached per workflow).
 */
export class WorkflowVersions {
  private readonly definitions = new Map<string, { stored: StoredWorkflow; checkedAt: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly registry: NodeRegistry,
  ) {}

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

  async exportWorkflow(workspaceId: string, id: string, options: ExportOptions = {}): Promise<string> {
    return exportDsl((await getWorkflow(this.db, workspaceId, id)).definition, options);
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

  /**
   * The workflow to run. Parsed definitions are kept per id and version (a version never
   * changes), so a run reads one small row instead of parsing the graph again.
   */
  async runnable(workspaceId: string, workflowId: string, version?: number): Promise<StoredWorkflow> {
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

  /** Forgets a workflow's cached definition after it changed here. */
  forget(workspaceId: string, workflowId: string): void {
    this.definitions.delete(`${workspaceId}/${workflowId}`);
  }
}
