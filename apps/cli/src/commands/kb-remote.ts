import fs from "node:fs";
import path from "node:path";
import type { KnowledgeBase, KnowledgeDocument } from "@nexus/knowledge";
import { CliError } from "../cli-error.ts";
import type { DataOptions } from "../global-options.ts";
import { RemoteClient } from "../remote-client.ts";
import { progressLine } from "./kb-local.ts";

const settled = (document: KnowledgeDocument) =>
  document.status !== "queued" && document.status !== "processing";

/** Polls documents until none is queued or processing, drawing the progress bar. */
export async function waitForDocuments(
  ids: string[],
  read: (id: string) => Promise<KnowledgeDocument>,
): Promise<KnowledgeDocument[]> {
  let last = "";
  for (;;) {
    const documents = await Promise.all(ids.map(read));
    const done = documents.filter(settled).length;
    const chunks = documents.reduce(
      (sum, document) => sum + (settled(document) ? document.chunkCount : document.progress.chunksDone),
      0,
    );
    const line = `${done}/${ids.length}:${chunks}`;
    if (line !== last) progressLine(done, ids.length, `${chunks} chunks`);
    last = line;
    if (done === ids.length) {
      if (process.stderr.isTTY) process.stderr.write("\n");
      return documents;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `kb ingest --url`: files as raw uploads, URLs through the server's import (with its SSRF guard). */
export async function ingestRemote(
  options: DataOptions,
  name: string,
  files: string[],
  urls: string[],
  wait: boolean,
): Promise<KnowledgeDocument[]> {
  const url = options.url as string;
  const client = RemoteClient.fromEnvironment(url);
  await client.assertWorkspace(options.workspace);
  const base = await client.request<KnowledgeBase>(
    "GET",
    `/api/knowledge/datasets/${encodeURIComponent(name)}`,
  );
  const ids: string[] = [];
  for (const file of files) {
    const response = await fetch(
      `${url.replace(/\/+$/, "")}/api/knowledge/datasets/${base.id}/files?name=${encodeURIComponent(path.basename(file))}`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${process.env.NEXUS_API_KEY}`,
          "content-type": "application/octet-stream",
        },
        body: new Uint8Array(fs.readFileSync(file)),
      },
    ).catch((error: Error) => {
      throw new CliError(`Cannot reach ${url}: ${error.message}`);
    });
    const body = (await response.json().catch(() => ({}))) as KnowledgeDocument & {
      error?: { message: string };
    };
    if (!response.ok)
      throw new CliError(`${file}: server answered ${response.status}: ${body.error?.message ?? ""}`);
    ids.push(body.id);
  }
  if (urls.length > 0) {
    const imported = await client.request<{ data: KnowledgeDocument[] }>(
      "POST",
      `/api/knowledge/datasets/${base.id}/urls`,
      { urls },
    );
    ids.push(...imported.data.map((document) => document.id));
  }
  if (!wait)
    return Promise.all(
      ids.map((id) => client.request<KnowledgeDocument>("GET", `/api/knowledge/documents/${id}`)),
    );
  return waitForDocuments(ids, (id) =>
    client.request<KnowledgeDocument>("GET", `/api/knowledge/documents/${id}`),
  );
}
