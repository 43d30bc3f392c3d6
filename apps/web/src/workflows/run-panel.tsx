import { type FormEvent, useState } from "react";
import { messageOf } from "../api-client.ts";
import { labelOf } from "./node-types.ts";
import { workflowApi } from "./workflow-api.ts";
import { formatSeconds } from "./workflow-node.tsx";
import type { HumanInputForm, RunView, StartVariable, WorkflowDetail } from "./workflow-types.ts";

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
      {run?.waiting && run.runId && (
        <HumanInputPanel key={`${run.runId}:${run.waiting.nodeId}`} runId={run.runId} form={run.waiting} />
      )}
      {run && <RunTrace run={run} />}
    </section>
  );
}

/** The form of a human-input node the run waits on; an action button answers it and the run goes on. */
function HumanInputPanel({ runId, form }: { runId: string; form: HumanInputForm }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const missing = form.fields.some((field) => field.required && !values[field.name]?.trim());

  async function answer(action?: string) {
    setSending(true);
    setError(null);
    try {
      await workflowApi.answerHumanInput(runId, {
        node_id: form.nodeId,
        ...(action !== undefined ? { action } : {}),
        inputs: values,
      });
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setSending(false);
    }
  }

  const actions = form.actions.length > 0 ? form.actions : [{ id: undefined, title: "Submit" }];
  return (
    <section className="wf-human-input" aria-label="Waiting for your answer">
      <h4>{form.title}</h4>
      {form.formContent && <p>{form.formContent}</p>}
      {form.fields.map((field) => {
        const label = `${field.label || field.name}${field.required ? " *" : ""}`;
        const onChange = (value: string) => setValues((current) => ({ ...current, [field.name]: value }));
        const value = values[field.name] ?? "";
        return field.type === "paragraph" ? (
          <label key={field.name} className="wf-field">
            {label}
            <textarea rows={3} value={value} onChange={(event) => onChange(event.target.value)} />
          </label>
        ) : (
          <label key={field.name} className="wf-field">
            {label}
            <input value={value} onChange={(event) => onChange(event.target.value)} />
          </label>
        );
      })}
      <div className="wf-actions">
        {actions.map((action) => (
          <button
            key={action.id ?? "submit"}
            type="button"
            disabled={sending || missing}
            onClick={() => void answer(action.id)}
          >
            {action.title}
          </button>
        ))}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
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
