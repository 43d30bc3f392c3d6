import { KnowledgeBaseView } from "./knowledge-base-view.tsx";
import { KnowledgeList } from "./knowledge-list.tsx";
import "./knowledge.css";

export default function KnowledgeApp({
  knowledgeBaseId,
  onOpen,
  onOpenSidebar,
}: {
  knowledgeBaseId: string | null;
  onOpen: (id: string) => void;
  onOpenSidebar: () => void;
}) {
  return knowledgeBaseId ? (
    <KnowledgeBaseView
      key={knowledgeBaseId}
      knowledgeBaseId={knowledgeBaseId}
      onOpenSidebar={onOpenSidebar}
    />
  ) : (
    <KnowledgeList onOpen={onOpen} onOpenSidebar={onOpenSidebar} />
  );
}
