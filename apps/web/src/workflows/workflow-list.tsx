import { type ChangeEvent, useRef, useState } from "react";
import { messageOf } from "../api-client.ts";
import { PageBar } from "../shell/page-bar.tsx";
import { useLoadedList } from "../use-loaded-list.ts";
import { workflowApi } from "./workflow-api.ts";
import type { ImportReport, WorkflowSummary } from "./workflow-types.ts";

/** The workspace's workflows: open, delete; import a Dify DSL file with its report. */
export function WorkflowList({
  onOpen,
  onOpenSidebar,
}: {
  onOpen: (id: string) => void;
  onOpenSidebar: () => void;
}) {
  const { items: workflows, loaded, error, reload } = useLoadedList(workflowApi.list);
  const [notice, setNotice] = useState<{
    ok: boolean;
    text: string;
    report?: ImportReport;
    id?: string;
  } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  async function importFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    try {
      const { workflow, report } = await workflowApi.importYaml(await file.text());
      await reload();
      setNotice({ ok: true, text: `Imported ${workflow.name}.`, report, id: workflow.id });
    } catch (failure) {
      setNotice({ ok: false, text: `Import of ${file.name} failed: ${messageOf(failure)}` });
    }
  }

  async function remove(workflow: WorkflowSummary) {
    if (!window.confirm(`Delete the workflow ${workflow.name} with its runs?`)) return;
    try {
      await workflowApi.remove(workflow.id);
      await reload();
    } catch (failure) {
      setNotice({ ok: false, text: `Delete failed: ${messageOf(failure)}` });
    }
  }

  return (
    <div className="page">
      <PageBar title="Workflows" onOpenSidebar={onOpenSidebar}>
        <button type="button" onClick={() => fileInput.current?.click()}>
          Import DSL
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".yml,.yaml,text/yaml,application/x-yaml"
          hidden
          aria-label="Workflow DSL file"
          onChange={importFile}
        />
      </PageBar>
      {notice && (
        <div
          className={`wf-import-notice ${notice.ok ? "success" : "error"}`}
          role={notice.ok ? "status" : "alert"}
        >
          <p>
            {notice.text}{" "}
            {notice.id && (
              <a
                href={`#/workflows/${encodeURIComponent(notice.id)}`}
                onClick={(event) => {
                  event.preventDefault();
                  onOpen(notice.id as string);
                }}
              >
                Open it
              </a>
            )}
          </p>
          {notice.report && notice.report.unsupportedNodes.length > 0 && (
            <ul aria-label="Nodes that cannot run here">
              {notice.report.unsupportedNodes.map((node) => (
                <li key={node.id}>
                  {node.title} ({node.type}): {node.reason}
                </li>
              ))}
            </ul>
          )}
          {notice.report?.warnings.map((warning) => (
            <p key={warning} className="muted">
              {warning}
            </p>
          ))}
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          Could not load workflows: {error}
        </p>
      )}
      {loaded && !error && workflows.length === 0 && (
        <p className="muted wf-empty">No workflows yet. Import a Dify DSL file (.yml) to start.</p>
      )}
      <ul className="wf-list">
        {workflows.map((workflow) => (
          <li key={workflow.id} className="wf-card">
            <a
              className="wf-card-name"
              href={`#/workflows/${encodeURIComponent(workflow.id)}`}
              onClick={(event) => {
                event.preventDefault();
                onOpen(workflow.id);
              }}
            >
              {workflow.name}
            </a>
            <span className="muted">
              {workflow.mode === "advanced-chat" ? "Chatflow" : "Workflow"} · version {workflow.version} ·
              updated {new Date(workflow.updatedAt).toLocaleString()}
            </span>
            {workflow.description && <p className="wf-card-description">{workflow.description}</p>}
            <button type="button" className="secondary small-button" onClick={() => void remove(workflow)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
