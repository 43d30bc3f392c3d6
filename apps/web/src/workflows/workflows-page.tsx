import { lazy, Suspense } from "react";

// The whole section is its own chunk: the chat's first load does not carry it.
const WorkflowsApp = lazy(() => import("./workflows-app.tsx"));

/** Workflows: the list with import, and the graph editor with runs and their live trace. */
export function WorkflowsPage(props: {
  workflowId: string | null;
  onOpen: (id: string) => void;
  onOpenSidebar: () => void;
}) {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <WorkflowsApp {...props} />
    </Suspense>
  );
}
