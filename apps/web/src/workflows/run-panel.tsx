import { type FormEvent, useState } from "react";
import { labelOf } from "./node-types.ts";
import { formatSeconds } from "./workflow-node.tsx";
import type { RunView, StartVariable, WorkflowDetail } from "./workflow-types.ts";

/** Inputs for a run, the Run button, and the run's trace: each node's status, time and outputs. */
export function RunPanel({
  workflow,
  run,
  dirty,
  onRun,
  onStop,
}: {
  workflow: WorkflowDetail;
  run: RunView | null;
  dirty: boolean;
  onRun: (inputs: Record<string, unknown>, query?: string) => void;
  onStop: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [query, setQuery] = useState("");
  const chat = workflow.mode === "advanced-chat";
  const running = run?.status === "running";

  function submit(event: FormEvent) {
    event.preventDefault();
    const inputs: Record<string, unknown> = {};
    for (const variable of workflow.inputs) {
      const value = values[variable.variable];
      if (value === undefined || value === "") continue;
      inputs[variable.variable] = variable.type === "number" ? Number(value) : value;
    }
    onRun(inputs, chat ? query : undefined);
  }

  return (
    <section className="wf-panel" aria-label="Run">
      <form onSubmit={submit} className="wf-run-form">
        {chat && (
          <label className="wf-field">
            Query
            <input value={query} onChange={(event) => setQuery(event.target.value)} />
          </label>
        )}
        {workflow.inputs.map((variable) => (
          <InputField
            key={variable.variable}
            variable={variable}
            value={values[variable.variable] ?? ""}
            onChange={(value) => setValues((current) => ({ ...current, [variable.variable]: value }))}
          />
        ))}
        {dirty && <p className="muted">Your changes are saved as a new version when you run.</p>}
        <div className="wf-actions">
          <button type="submit" disabled={running}>
            {running ? "Running…" : dirty ? "Save and run" : "Run"}
          </button>
          {running && (
            <button type="button" className="secondary" onClick={onStop}>
              Stop
            </button>
          )}
        </div>
      </form>
      {run && <RunTrace run={run} />}
    </section>
  );
}

function InputField({
  variable,
  value,
  onChange,
}: {
  variable: StartVariable;
  value: string;
  onChange: (value: string) => void;
}) {
  const label = `${variable.label || variable.variable}${variable.required ? " *" : ""}`;
  if (variable.type === "select" && variable.options?.length) {
    return (
      <label className="wf-field">
        {label}
        <select value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">—</option>
          {variable.options.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
      </label>
    );
  }
  if (variable.type === "paragraph") {
    return (
      <label className="wf-field">
        {label}
        <textarea rows={3} value={value} onChange={(event) => onChange(event.target.value)} />
      </label>
    );
  }
  return (
    <label className="wf-field">
      {label}
      <input
        type={variable.type === "number" ? "number" : "text"}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  );
}

function RunTrace({ run }: { run: RunView }) {
  return (
    <div className="wf-trace" data-run-status={run.status}>
      <p className="wf-run-status">
        Run <strong className={`wf-status wf-status-${run.status}`}>{run.status}</strong>
        {run.elapsedSeconds !== null && ` in ${formatSeconds(run.elapsedSeconds)}`}
      </p>
      {run.error && (
        <p className="error" role="alert">
          {run.error}
        </p>
      )}
      <ol className="wf-trace-list">
        {run.order.map((nodeId) => {
          const trace = run.nodes[nodeId];
          if (!trace) return null;
          return (
            <li key={nodeId} className="wf-trace-item" data-node-id={nodeId} data-status={trace.status}>
              <div className="wf-trace-head">
                <span className="wf-trace-title">{trace.title}</span>
                <span className="muted">{labelOf(trace.nodeType)}</span>
                <span className={`wf-status wf-status-${trace.status}`}>{trace.status}</span>
                {trace.elapsedSeconds !== undefined && (
                  <span className="muted">{formatSeconds(trace.elapsedSeconds)}</span>
                )}
              </div>
              {trace.error && <p className="error">{trace.error}</p>}
              {trace.outputs && Object.keys(trace.outputs).length > 0 && (
                <details>
                  <summary>Outputs</summary>
                  <pre className="wf-json-view">{JSON.stringify(trace.outputs, null, 2)}</pre>
                </details>
              )}
            </li>
          );
        })}
      </ol>
      {run.text && (
        <div className="wf-run-text">
          <h4>Answer</h4>
          <pre>{run.text}</pre>
        </div>
      )}
      {run.outputs && (
        <section className="wf-run-outputs" aria-label="Run outputs">
          <h4>Outputs</h4>
          <pre className="wf-json-view">{JSON.stringify(run.outputs, null, 2)}</pre>
        </section>
      )}
    </div>
  );
}
