import { type FormEvent, useCallback, useEffect, useState } from "react";
import { messageOf } from "../api-client.ts";
import { PageBar } from "../shell/page-bar.tsx";
import { type BrowserTask, type BrowserTaskRun, browserApi } from "./browser-api.ts";
import { RunReport } from "./browser-run-report.tsx";

/** One task: run it (its variables asked for, never stored) and its runs, newest first. */
export function BrowserTaskDetail({ taskId, onOpenSidebar }: { taskId: string; onOpenSidebar: () => void }) {
  const [task, setTask] = useState<BrowserTask | null>(null);
  const [runs, setRuns] = useState<BrowserTaskRun[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});

  const reload = useCallback(async () => {
    try {
      const [loaded, listed] = await Promise.all([browserApi.task(taskId), browserApi.runs(taskId)]);
      setTask(loaded);
      setRuns(listed.data);
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }, [taskId]);

  useEffect(() => {
    void reload();
  }, [reload]);

  // A run in progress is polled until it ends.
  useEffect(() => {
    if (!runs.some((run) => run.status === "running" || run.status === "queued")) return;
    const timer = setTimeout(() => void reload(), 1_000);
    return () => clearTimeout(timer);
  }, [runs, reload]);

  async function start(event: FormEvent) {
    event.preventDefault();
    try {
      await browserApi.run(taskId, values);
      await reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <div className="page">
      <PageBar
        title={task ? `${task.name} (v${task.version})` : "Browser task"}
        onOpenSidebar={onOpenSidebar}
      />
      <p>
        <a href="#/browser">All tasks</a>
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {task && (
        <form className="bt-run-form" onSubmit={start}>
          {task.definition.variables.map((name) => (
            <label key={name}>
              {name}{" "}
              <input
                type="password"
                autoComplete="off"
                value={values[name] ?? ""}
                onChange={(event) => setValues({ ...values, [name]: event.target.value })}
              />
            </label>
          ))}
          <button type="submit">Run now</button>
        </form>
      )}
      {runs.length === 0 && task && <p className="muted">No runs yet.</p>}
      <ol className="bt-runs" aria-label="Runs">
        {runs.map((run) => (
          <li key={run.id} className={`bt-run ${run.status}`}>
            <RunReport run={run} />
          </li>
        ))}
      </ol>
    </div>
  );
}
