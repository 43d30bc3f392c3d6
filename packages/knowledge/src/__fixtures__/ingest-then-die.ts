/**
 * A server process for crash-recovery.test.ts: opens the SQLite store named in argv[2], runs
 * the ingestion worker, and SIGKILLs itself as soon as a document reports its first embedded
 * chunks: a crash in the middle of indexing a new version.
 */
import { createEventBus, createQueue, openStore } from "@nexus/core";
import { type DocumentProgressEvent, documentProgressTopic } from "../ingestion/knowledge-events.ts";
import { createKnowledgeService } from "../knowledge-service.ts";

const file = process.argv[2] as string;
const store = await openStore({ kind: "sqlite", file });
const queue = await createQueue({ store, leaseMs: 1000, pollIntervalMs: 20, onError: () => {} });
const events = await createEventBus();
await events.subscribe<DocumentProgressEvent>(documentProgressTopic, (event) => {
  if (event.payload.status === "processing" && event.payload.chunksDone > 0) {
    process.stdout.write(`${JSON.stringify(event.payload)}\n`);
    process.kill(process.pid, "SIGKILL");
  }
});
const service = await createKnowledgeService({ store, queue, events });
service.start();
