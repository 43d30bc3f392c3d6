import "./browser.css";
import { BrowserTaskDetail } from "./browser-task-detail.tsx";
import { BrowserTaskList } from "./browser-task-list.tsx";

/** Browser automation: recorded tasks, and one task's runs with their step reports. */
export function BrowserPage({
  taskId,
  onOpen,
  onOpenSidebar,
}: {
  taskId: string | null;
  onOpen: (id: string) => void;
  onOpenSidebar: () => void;
}) {
  return taskId ? (
    <BrowserTaskDetail taskId={taskId} onOpenSidebar={onOpenSidebar} />
  ) : (
    <BrowserTaskList onOpen={onOpen} onOpenSidebar={onOpenSidebar} />
  );
}
