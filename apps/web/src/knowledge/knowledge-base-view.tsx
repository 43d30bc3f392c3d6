import { type ChangeEvent, useCallback, useEffect, useRef, useState } from "react";
import { messageOf } from "../api-client.ts";
import { PageBar } from "../shell/page-bar.tsx";
import { DocumentTable } from "./document-table.tsx";
import { EmbedderForm } from "./embedder-form.tsx";
import { HitTesting } from "./hit-testing.tsx";
import {
  type KnowledgeBase,
  type KnowledgeDocument,
  knowledgeApi,
  type ProgressEvent,
} from "./knowledge-api.ts";

/** One knowledge base: upload, documents with live ingestion progress, and hit testing. */
export function KnowledgeBaseView({
  knowledgeBaseId,
  onOpenSidebar,
}: {
  knowledgeBaseId: string;
  onOpenSidebar: () => void;
}) {
  const [base, setBase] = useState<KnowledgeBase | null>(null);
  const [documents, setDocuments] = useState<KnowledgeDocument[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const reload = useCallback(async () => {
    try {
      setBase(await knowledgeApi.get(knowledgeBaseId));
      setDocuments((await knowledgeApi.documents(knowledgeBaseId)).data);
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }, [knowledgeBaseId]);

  useEffect(() => {
    void reload();
    // Progress arrives as server-sent events; a document reaching a final state reloads the list.
    const source = new EventSource(
      `/api/knowledge/events?knowledgeBaseId=${encodeURIComponent(knowledgeBaseId)}`,
    );
    source.addEventListener("progress", (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as ProgressEvent;
      setDocuments((current) =>
        current.map((document) =>
          document.id === event.documentId
            ? {
                ...document,
                status: event.status,
                error: event.error,
                progress: {
                  percent: event.percent,
                  chunksDone: event.chunksDone,
                  chunksTotal: event.chunksTotal,
                },
              }
            : document,
        ),
      );
      if (event.status !== "processing" && event.status !== "queued") void reload();
    });
    return () => source.close();
  }, [knowledgeBaseId, reload]);

  async function upload(event: ChangeEvent<HTMLInputElement>) {
    const files = Array.from(event.target.files ?? []);
    event.target.value = "";
    const messages: string[] = [];
    for (const file of files) {
      try {
        const document = await knowledgeApi.upload(knowledgeBaseId, file);
        if (document.duplicate) messages.push(`${file.name} is already here (as ${document.name}).`);
      } catch (failure) {
        messages.push(`${file.name}: ${messageOf(failure)}`);
      }
    }
    setNotice(messages.join(" ") || null);
    await reload();
  }

  return (
    <div className="page kb-page">
      <PageBar title={base?.name ?? "Knowledge base"} onOpenSidebar={onOpenSidebar}>
        <a href="#/knowledge" className="kb-back">
          All knowledge bases
        </a>
        <button type="button" onClick={() => fileInput.current?.click()}>
          Upload files
        </button>
        <input ref={fileInput} type="file" multiple hidden aria-label="Files to add" onChange={upload} />
      </PageBar>
      {base && (
        <p className="muted kb-embedder">
          Embedder:{" "}
          <strong>
            {base.embeddingModel === "builtin"
              ? "built-in (hashed n-grams, no model needed)"
              : base.embeddingModel}
          </strong>
          {base.embeddingDimensions ? ` · ${base.embeddingDimensions} dimensions` : ""} · chunking{" "}
          {base.settings.chunking.strategy}, {base.settings.chunking.size} tokens · {base.embeddingTokens}{" "}
          tokens embedded
        </p>
      )}
      {base && (
        <EmbedderForm
          current={base.embeddingModel}
          onChange={async (model) => {
            try {
              const { queued } = await knowledgeApi.changeEmbedder(knowledgeBaseId, model);
              setNotice(`Embedding ${queued} documents again with ${model}.`);
              await reload();
            } catch (failure) {
              setError(messageOf(failure));
            }
          }}
        />
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="kb-notice" role="status">
          {notice}
        </p>
      )}
      <DocumentTable
        documents={documents}
        onRetry={async (id) => {
          await knowledgeApi.retry(id).catch((failure) => setError(messageOf(failure)));
          await reload();
        }}
        onDelete={async (id) => {
          await knowledgeApi.removeDocument(id).catch((failure) => setError(messageOf(failure)));
          await reload();
        }}
      />
      <HitTesting knowledgeBaseId={knowledgeBaseId} />
    </div>
  );
}
