import type { KnowledgeDocument } from "./knowledge-api.ts";

const statusText: Record<KnowledgeDocument["status"], string> = {
  queued: "Queued",
  processing: "Indexing",
  ready: "Ready",
  failed: "Failed",
  needs_ocr: "Needs OCR",
};

/** Documents with their status, live progress, chunk count and error; retry and delete. */
export function DocumentTable({
  documents,
  onRetry,
  onDelete,
}: {
  documents: KnowledgeDocument[];
  onRetry: (id: string) => void;
  onDelete: (id: string) => void;
}) {
  if (documents.length === 0) return <p className="muted">No documents yet. Upload files to index them.</p>;
  return (
    <table className="kb-documents" aria-label="Documents">
      <thead>
        <tr>
          <th>Document</th>
          <th>Status</th>
          <th>Chunks</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {documents.map((document) => (
          <tr key={document.id} data-status={document.status}>
            <td>
              <a href={`/api/knowledge/documents/${document.id}/file`}>{document.name}</a>
              {document.error && <div className="kb-error">{document.error}</div>}
            </td>
            <td>
              <span className={`kb-status kb-status-${document.status}`}>{statusText[document.status]}</span>
              {document.status === "processing" && (
                <progress
                  max={100}
                  value={document.progress.percent}
                  aria-label={`${document.name} progress`}
                >
                  {document.progress.percent}%
                </progress>
              )}
            </td>
            <td>
              {document.status === "processing"
                ? `${document.progress.chunksDone}/${document.progress.chunksTotal}`
                : document.chunkCount}
            </td>
            <td className="kb-actions">
              {(document.status === "failed" || document.status === "needs_ocr") && (
                <button type="button" className="secondary small-button" onClick={() => onRetry(document.id)}>
                  Retry
                </button>
              )}
              <button
                type="button"
                className="secondary small-button"
                onClick={() => onDelete(document.id)}
                aria-label={`Delete ${document.name}`}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
