import { existsSync, readFileSync, statSync } from "node:fs";
import { defaultWorkspaceSlug, getWorkspaceBySlug, NexusError, type Store } from "@nexus/core";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom, type DataOptions } from "../global-options.ts";
import { withLocalStore } from "../local-store.ts";
import { RemoteClient } from "../remote-client.ts";
import { formatTable } from "../table.ts";
import { addDataOptions } from "./data-options.ts";
import { type RunSummary, runLocally } from "./workflow-local-run.ts";

interface ImportResult {
  workflow: { id: string; name: string; mode: string; version: number };
  report: {
    warnings: string[];
    unsupportedNodes: Array<{ id: string; type: string; title: string; reason: string }>;
  };
}

/** `nexus workflows import|list|export|run`: Dify DSL workflows on the local data dir or a server (--url). */
export function registerWorkflowsCommand(program: Command): void {
  const workflows = program
    .command("workflows")
    .description("Import, list, export and run Dify-compatible workflows");

  addDataOptions(
    workflows
      .command("import")
      .description("Import a Dify DSL file (YAML); prints the new id and the import report")
      .argument("<file>", "a Dify app export (.yml)")
      .option("--name <name>", "name the workflow (default: the app's name)"),
  ).action(async (file: string, options: DataOptions & { name?: string }) => {
    const yaml = readDsl(file);
    const result: ImportResult = options.url
      ? await (await remote(options)).request<ImportResult>("POST", "/api/workflows/import", {
          yaml,
          ...(options.name ? { name: options.name } : {}),
        })
      : await withLocalStore(configFrom(options), async (store) => {
          const { WorkflowService } = await import("@nexus/workflows");
          const workspace = await localWorkspace(store, options);
          return new WorkflowService({ db: store.db })
            .importWorkflow(workspace.id, yaml, options.name)
            .catch(rethrowAsCli);
        });
    if (options.json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    console.log(result.workflow.id);
    console.error(`Imported '${result.workflow.name}' (${result.workflow.mode}) as ${result.workflow.id}.`);
    for (const warning of result.report.warnings) console.error(`warning: ${warning}`);
    if (result.report.unsupportedNodes.length > 0) {
      console.error(
        `${result.report.unsupportedNodes.length} node(s) cannot run here; running them fails naming them:`,
      );
      for (const node of result.report.unsupportedNodes)
        console.error(`  - '${node.title}' (${node.id}, ${node.type}): ${node.reason}`);
    }
  });

  addDataOptions(workflows.command("list").description("List the workspace's workflows")).action(
    async (options: DataOptions) => {
      type Summary = { id: string; name: string; mode: string; version: number; updatedAt: string };
      const list: Summary[] = options.url
        ? (await (await remote(options)).request<{ data: Summary[] }>("GET", "/api/workflows")).data
        : await withLocalStore(configFrom(options), async (store) => {
            const { listWorkflows } = await import("@nexus/workflows");
            return listWorkflows(store.db, (await localWorkspace(store, options)).id);
          });
      if (options.json) {
        console.log(JSON.stringify(list, null, 2));
        return;
      }
      if (list.length === 0) {
        console.log("No workflows yet. Import one with: nexus workflows import <file.yml>");
        return;
      }
      console.log(
        formatTable(
          ["ID", "NAME", "MODE", "VERSION", "UPDATED"],
          list.map((item) => [item.id, item.name, item.mode, String(item.version), item.updatedAt]),
        ),
      );
    },
  );

  addDataOptions(
    workflows
      .command("export")
      .description("Print a workflow as Dify DSL (YAML)")
      .argument("<id>", "workflow id"),
  ).action(async (id: string, options: DataOptions) => {
    const yaml = options.url
      ? await exportRemote(options, id)
      : await withLocalStore(configFrom(options), async (store) => {
          const { WorkflowService } = await import("@nexus/workflows");
          const workspace = await localWorkspace(store, options);
          return new WorkflowService({ db: store.db }).exportWorkflow(workspace.id, id).catch(rethrowAsCli);
        });
    process.stdout.write(yaml);
  });

  addDataOptions(
    workflows
      .command("run")
      .description("Run a workflow to its end and print its outputs (non-zero exit when it fails)")
      .argument("<workflow>", "a workflow id, or a Dify DSL file to run without importing it")
      .option("--input <key=value>", "an input (repeatable)", collectInput, {} as Record<string, unknown>)
      .option("--query <text>", "the user's message (chat workflows)"),
  ).action(
    async (target: string, options: DataOptions & { input: Record<string, unknown>; query?: string }) => {
      const summary: RunSummary = options.url
        ? await runRemote(options, target)
        : await runLocally(configFrom(options), options.workspace, target, {
            inputs: options.input,
            query: options.query,
          });
      if (options.json) console.log(JSON.stringify(summary, null, 2));
      else if (summary.status === "succeeded" || summary.status === "partial-succeeded") {
        console.log(summary.answer !== undefined ? summary.answer : JSON.stringify(summary.outputs, null, 2));
        console.error(
          `Run ${summary.runId ?? ""} ${summary.status} in ${summary.elapsedMs} ms (${summary.totalSteps} steps).`.replace(
            "Run  ",
            "Run ",
          ),
        );
      }
      if (summary.status !== "succeeded" && summary.status !== "partial-succeeded") {
        throw new CliError(`The run ${summary.status}: ${summary.error ?? "no error message"}`);
      }
    },
  );
}

function collectInput(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const equals = value.indexOf("=");
  if (equals <= 0) throw new CliError(`--input '${value}' must be key=value`, 2);
  const key = value.slice(0, equals);
  const text = value.slice(equals + 1);
  let parsed: unknown = text;
  if (/^[[{]/.test(text)) {
    try {
      parsed = JSON.parse(text);
    } catch {}
  }
  return { ...previous, [key]: parsed };
}

export function readDsl(file: string): string {
  if (!existsSync(file)) throw new CliError(`No such file: ${file}`, 2);
  if (!statSync(file).isFile()) throw new CliError(`${file} is not a file`, 2);
  return readFileSync(file, "utf8");
}

function localWorkspace(store: Store, options: DataOptions) {
  return getWorkspaceBySlug(store.db, options.workspace ?? defaultWorkspaceSlug).catch(rethrowAsCli);
}

async function remote(options: DataOptions): Promise<RemoteClient> {
  const client = RemoteClient.fromEnvironment(options.url ?? "");
  await client.assertWorkspace(options.workspace);
  return client;
}

async function exportRemote(options: DataOptions, id: string): Promise<string> {
  await remote(options);
  const response = await fetch(
    `${(options.url ?? "").replace(/\/+$/, "")}/api/workflows/${encodeURIComponent(id)}/export`,
    {
      headers: { authorization: `Bearer ${process.env.NEXUS_API_KEY}` },
    },
  ).catch((error: Error) => {
    throw new CliError(`Cannot reach ${options.url}: ${error.message}`);
  });
  const text = await response.text();
  if (!response.ok) throw new CliError(`Server answered ${response.status}: ${text}`);
  return text;
}

async function runRemote(
  options: DataOptions & { input: Record<string, unknown>; query?: string },
  id: string,
): Promise<RunSummary> {
  const body = await (await remote(options)).request<{
    workflow_run_id?: string;
    answer?: string;
    status?: string;
    error?: string;
    data?: Record<string, unknown>;
  }>("POST", `/api/workflows/${encodeURIComponent(id)}/runs`, {
    inputs: options.input,
    response_mode: "blocking",
    ...(options.query !== undefined ? { query: options.query } : {}),
  });
  if (body.data) {
    return {
      runId: body.workflow_run_id,
      status: String(body.data.status),
      outputs: (body.data.outputs as Record<string, unknown>) ?? {},
      error: (body.data.error as string | null) ?? undefined,
      elapsedMs: Math.round(Number(body.data.elapsed_time ?? 0) * 1000),
      totalSteps: Number(body.data.total_steps ?? 0),
    };
  }
  return {
    runId: body.workflow_run_id,
    status: body.status ?? "succeeded",
    outputs: { answer: body.answer },
    answer: body.answer,
    error: body.error,
    elapsedMs: 0,
    totalSteps: 0,
  };
}

export function rethrowAsCli(error: unknown): never {
  if (error instanceof NexusError) throw new CliError(error.message, error.status === 404 ? 1 : 2);
  throw error;
}
