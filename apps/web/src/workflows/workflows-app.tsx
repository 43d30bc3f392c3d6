import { lazy, Suspense } from "react";
import { WorkflowList } from "./workflow-list.tsx";
import "./workflows.css";

// React Flow is only loaded when a graph is opened.
const WorkflowEditor = lazy(() => import("./workflow-editor.tsx"));

/** The workflows section: the list, or one workflow's editor. */
export default function WorkflowsApp({
  workflowId,
  onOpen,
  onOpenSidebar,
}: {
  workflowId: string | null;
  onOpen: (id: string) => void;
  onOpenSidebar: () => void;
}) {
  if (!workflowId) return <WorkflowList onOpen={onOpen} onOpenSidebar={onOpenSidebar} />;
  return (
    <Suspense fallback={<p className="muted page">Loading the editor…</p>}>
      <WorkflowEditor key={workflowId} workflowId={workflowId} onOpenSidebar={onOpenSidebar} />
    </Suspense>
  );
}
