import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToVector } from "./embedders/embedder.ts";
import { createKnowledgeBase } from "./store/knowledge-base-store.ts";
import { startTestKnowledge, type TestKnowledge, type TestStoreKind } from "./testing/test-knowledge.ts";

const text = (value: string) => Buffer.from(value, "utf8");

const windTunnels = "Wind tunnels measure the lift and drag on scale models of aircraft at many speeds.";

const aerodynamics = `Boundary layers on swept wings

The boundary layer on a swept wing thickens towards the tip because of spanwise flow.

Heat transfer in hypersonic flow

At hypersonic speeds the heat transfer to a blunt body is highest at the stagnation point.

Buckling of cylindrical shells

Thin cylindrical shells under axial compression buckle at loads far below the classical value.`;

/**
 * One suite for every store (SQLite: FTS5 + sqlite-vec; PostgreSQL: tsvector + exact scan;
 * PostgreSQL + pgvector in PGlite: tsvector + HNSW):
 * ingestion to searchable, the three modes with citations, incremental updates, duplicates,
 * bad files, filters, chunk edits, deletes and workspace isolation.
 */
export function runKnowledgeContract(kind: TestStoreKind) {
  const name = kind === "pgvector" ? "PostgreSQL + pgvector (PGlite)" : kind;
  describe(`knowledge on ${name}`, { timeout: 60_000 }, () => {
    let knowledge: TestKnowledge;
    let baseId: string;

    beforeAll(async () => {
      knowledge = await startTestKnowledge(kind);
      const base = await createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, {
        name: "aero",
        settings: { chunking: { strategy: "general", size: 30, overlap: 0 } },
      });
      baseId = base.id;
    });
    afterAll(async () => {
      await knowledge?.close();
    });

    const search = (query: string, mode: "vector" | "fulltext" | "hybrid", extra: object = {}) =>
      knowledge.service.retrieve({
        workspaceId: knowledge.workspaceId,
        knowledgeBaseIds: [baseId],
        query,
        mode,
        topK: 3,
        ...extra,
      });

    it("indexes a pushed text and finds it in every mode, with citations", async () => {
      const { document } = await knowledge.service.addDocument(knowledge.workspaceId, "aero", {
        name: "aero.md",
        data: text(aerodynamics),
        source: "text",
        metadata: { topic: "aero" },
      });
      const ready = await knowledge.settle(document.id);
      expect(ready.status).toBe("ready");
      expect(ready.chunkCount).toBeGreaterThanOrEqual(3);
      expect(ready.version).toBe(1);
      for (const mode of ["vector", "fulltext", "hybrid"] as const) {
        const result = await search("heat transfer at the stagnation point of blunt bodies", mode);
        expect(result.hits[0]?.content, mode).toContain("stagnation point");
        expect(result.hits[0]?.citation).toMatchObject({
          documentId: document.id,
          documentName: "aero.md",
          knowledgeBaseId: baseId,
        });
        expect(result.hits[0]?.score).toBeGreaterThan(0);
      }
      const hybrid = await search("buckling shells", "hybrid");
      expect(hybrid.hits[0]?.scores.vector?.rank).toBe(1);
      expect(hybrid.hits[0]?.scores.fulltext?.rank).toBe(1);
    });

    it("stems: 'buckled shell' finds 'buckling of cylindrical shells'", async () => {
      const result = await search("buckled shell", "fulltext");
      expect(result.hits[0]?.content).toContain("Buckling");
    });

    it("re-processes a changed source incrementally: unchanged chunks keep their embeddings, removed ones vanish", async () => {
      const first = await knowledge.service.addDocument(knowledge.workspaceId, "aero", {
        name: "notes.txt",
        data: text(
          `${windTunnels}\n\nFlutter is an aeroelastic instability of wings that grows with speed until the structure fails.`,
        ),
        source: "folder",
        sourceUri: "/watched/notes.txt",
      });
      await knowledge.settle(first.document.id, "ready");
      const before = await knowledge.store.db
        .selectFrom("knowledge_chunks")
        .select(["id", "content", "embedding"])
        .where("document_id", "=", first.document.id)
        .execute();
      const kept = before.find((chunk) => chunk.content.includes("Wind tunnels"));
      expect(kept).toBeDefined();

      const second = await knowledge.service.addDocument(knowledge.workspaceId, "aero", {
        name: "notes.txt",
        data: text(
          `${windTunnels}\n\nSonic booms come from the shock waves of an aircraft flying faster than sound.`,
        ),
        source: "folder",
        sourceUri: "/watched/notes.txt",
      });
      expect(second.document.id).toBe(first.document.id);
      const updated = await knowledge.settle(first.document.id, "ready");
      expect(updated.version).toBe(2);
      const after = await knowledge.store.db
        .selectFrom("knowledge_chunks")
        .select(["id", "content", "embedding"])
        .where("document_id", "=", first.document.id)
        .execute();
      const same = after.find((chunk) => chunk.content.includes("Wind tunnels"));
      expect(same?.id).toBe(kept?.id);
      expect(
        Buffer.compare(
          Buffer.from(same?.embedding as Uint8Array),
          Buffer.from(kept?.embedding as Uint8Array),
        ),
      ).toBe(0);
      expect((await search("flutter aeroelastic", "fulltext")).hits).toHaveLength(0);
      expect((await search("sonic booms shock", "hybrid")).hits[0]?.content).toContain("Sonic booms");
    });

    it("does not store the same content twice", async () => {
      const again = await knowledge.service.addDocument(knowledge.workspaceId, "aero", {
        name: "copy.md",
        data: text(aerodynamics),
        source: "file",
      });
      expect(again.duplicate).toBe(true);
      expect(again.document.name).toBe("aero.md");
    });

    it("fails bad files one by one with a reason, leaving the rest searchable", async () => {
      const cases = [
        { name: "binary.txt", data: Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x10]), error: /binary/ },
        { name: "empty.txt", data: Buffer.alloc(0), error: /empty/ },
        { name: "broken.pdf", data: text("%PDF-1.4\nthis is not really a pdf"), error: /not a readable PDF/ },
        {
          name: "photo.png",
          data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
          error: /OCR/,
        },
        { name: "broken.json", data: text("{ not json"), error: /not valid JSON/ },
      ];
      for (const item of cases) {
        const { document } = await knowledge.service.addDocument(knowledge.workspaceId, "aero", {
          ...item,
          source: "file",
        });
        const settled = await knowledge.settle(document.id);
        expect(settled.status, item.name).toBe(item.name === "photo.png" ? "needs_ocr" : "failed");
        expect(settled.error, item.name).toMatch(item.error);
      }
      expect((await search("stagnation point", "hybrid")).hits[0]?.content).toContain("stagnation point");
    });

    it("decodes Windows-1252 text that is not UTF-8", async () => {
      const { document } = await knowledge.service.addDocument(knowledge.workspaceId, "aero", {
        name: "latin.txt",
        data: Buffer.from("Caf\xe9 na\xefve r\xe9sum\xe9 about transonic drag", "latin1"),
        source: "file",
      });
      expect((await knowledge.settle(document.id)).status).toBe("ready");
      expect((await search("café résumé", "fulltext")).hits[0]?.content).toContain("Café");
    });

    it("filters by document metadata", async () => {
      const filtered = await search("wings", "hybrid", { filters: { metadata: { topic: "aero" } } });
      expect(filtered.hits.length).toBeGreaterThan(0);
      expect(filtered.hits.every((hit) => hit.citation.documentName === "aero.md")).toBe(true);
      expect(
        (await search("wings", "hybrid", { filters: { metadata: { topic: "none" } } })).hits,
      ).toHaveLength(0);
    });

    it("re-embeds only an edited chunk", async () => {
      const chunks = await knowledge.store.db
        .selectFrom("knowledge_chunks")
        .select(["id", "content", "embedding"])
        .where("knowledge_base_id", "=", baseId)
        .execute();
      const target = chunks.find((chunk) => chunk.content.includes("Thin cylindrical"));
      await knowledge.service.updateChunk(
        knowledge.workspaceId,
        target?.id as string,
        "Ice accretion on propeller blades changes their thrust.",
      );
      const after = await knowledge.store.db
        .selectFrom("knowledge_chunks")
        .select(["id", "content", "embedding", "edited"])
        .where("knowledge_base_id", "=", baseId)
        .execute();
      for (const chunk of after) {
        const previous = chunks.find((item) => item.id === chunk.id);
        if (chunk.id === target?.id) {
          expect(chunk.edited).toBe(1);
          expect(bytesToVector(chunk.embedding as Uint8Array)).not.toEqual(
            bytesToVector(previous?.embedding as Uint8Array),
          );
        } else
          expect(
            Buffer.from(chunk.embedding as Uint8Array).equals(Buffer.from(previous?.embedding as Uint8Array)),
          ).toBe(true);
      }
      expect((await search("propeller ice", "fulltext")).hits[0]?.citation.chunkId).toBe(target?.id);
      expect(
        (await search("thin cylindrical shells axial compression", "fulltext")).hits.some(
          (hit) => hit.citation.chunkId === target?.id,
        ),
      ).toBe(false);
    });

    it("keeps workspaces apart", async () => {
      await expect(
        knowledge.service.retrieve({
          workspaceId: knowledge.otherWorkspaceId,
          knowledgeBaseIds: [baseId],
          query: "wings",
        }),
      ).rejects.toMatchObject({ type: "not_found" });
      await expect(
        knowledge.service.addDocument(knowledge.otherWorkspaceId, baseId, {
          name: "x.txt",
          data: text("x"),
          source: "text",
        }),
      ).rejects.toMatchObject({ type: "not_found" });
    });

    it("deletes a document from every part of the index", async () => {
      const { document } = await knowledge.service.addDocument(knowledge.workspaceId, "aero", {
        name: "gone.txt",
        data: text("Rotorcraft vibration damping"),
        source: "text",
      });
      await knowledge.settle(document.id, "ready");
      expect((await search("rotorcraft vibration", "fulltext")).hits).toHaveLength(1);
      await knowledge.service.deleteDocument(knowledge.workspaceId, document.id);
      expect((await search("rotorcraft vibration", "fulltext")).hits).toHaveLength(0);
      expect(
        (await search("rotorcraft vibration", "vector")).hits.every(
          (hit) => hit.citation.documentId !== document.id,
        ),
      ).toBe(true);
      // The chunk count kept for IDF matches the chunks there are, after inserts, edits and deletes.
      const { count } = await knowledge.store.db
        .selectFrom("knowledge_chunks")
        .select((eb) => eb.fn.countAll<number>().as("count"))
        .where("knowledge_base_id", "=", baseId)
        .executeTakeFirstOrThrow();
      const base = await knowledge.store.db
        .selectFrom("knowledge_bases")
        .select("chunk_count")
        .where("id", "=", baseId)
        .executeTakeFirstOrThrow();
      expect(Number(base.chunk_count)).toBe(Number(count));
    });
  });
}
