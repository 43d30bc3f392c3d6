import { useEffect, useState } from "react";
import { messageOf } from "../api-client.ts";
import { PageBar } from "../shell/page-bar.tsx";
import { type BrowserTask, browserApi } from "./browser-api.ts";
import { BrowserTaskForm } from "./browser-task-form.tsx";

/** The workspace's recorded tasks (latest versions). */
export function BrowserTaskList({
  onOpen,
  onOpenSidebar,
}: {
  onOpen: (id: string) => void;
  onOpenSidebar: () => void;
}) {
  const [tasks, setTasks] = useState<BrowserTask[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    browserApi
      .tasks()
      .then((answer) => setTasks(answer.data))
      .catch((failure) => setError(messageOf(failure)));
  }, []);

  return (
    <div className="page">
      <PageBar title="Browser automation" onOpenSidebar={onOpenSidebar} />
      <BrowserTaskForm onCreated={onOpen} />
      {error && (
        <p className="error" role="alert">
          Could not load tasks: {error}
        </p>
      )}
      {tasks?.length === 0 && (
        <p className="muted">
          No recorded tasks yet. Save one with POST /api/browser/tasks (see docs/browser.md).
        </p>
      )}
      <ul className="bt-list" aria-label="Recorded tasks">
        {tasks?.map((task) => (
          <li key={task.id} className="bt-card">
            <a
              href={`#/browser/${encodeURIComponent(task.id)}`}
              onClick={(event) => {
                event.preventDefault();
                onOpen(task.id);
              }}
            >
              {task.name}
            </a>
            <span className="muted">
              version {task.version} · {task.definition.steps.length} steps · {task.definition.startUrl}
              {task.schedule ? ` · scheduled ${task.schedule}` : ""}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
