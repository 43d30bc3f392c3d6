import { lazy, Suspense } from "react";

// Its own chunk: the chat's first load does not carry the knowledge pages.
const KnowledgeApp = lazy(() => import("./knowledge-app.tsx"));

/** Knowledge bases: the list, and one knowledge base with its documents and hit testing. */
export function KnowledgePage(props: {
  knowledgeBaseId: string | null;
  onOpen: (id: string) => void;
  onOpenSidebar: () => void;
}) {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <KnowledgeApp {...props} />
    </Suspense>
  );
}
