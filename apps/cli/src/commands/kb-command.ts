import fs from "node:fs";
import path from "node:path";
import {
  createKnowledgeBase,
  fetchForImport,
  getKnowledgeBase,
  type KnowledgeBase,
  type KnowledgeDocument,
  listKnowledgeBases,
  type RetrieveResult,
  searchModes,
  watchFolder,
} from "@nexus/knowledge";
import { type Command, InvalidArgumentError } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom, type DataOptions } from "../global-options.ts";
import { RemoteClient } from "../remote-client.ts";
import { onShutdownSignal } from "../shutdown.ts";
import { formatTable } from "../table.ts";
import { addDataOptions } from "./data-options.ts";
import { withLocalKnowledge } from "./kb-local.ts";
import { ingestRemote, waitForDocuments } from "./kb-remote.ts";

const positiveInteger = (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError("must be a whole number of at least 1");
  return number;
};

/** Files under the paths (folders recursively, hidden files skipped). */
function filesOf(paths: string[]): string[] {
  const files: string[] = [];
  for (const item of paths) {
    if (/^https?:\/\//i.test(item)) continue;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(item);
    } catch {
      throw new CliError(`${item}: no such file or folder`);
    }
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(item, { recursive: true, withFileTypes: true })) {
        const file = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
        if (
          entry.isFile() &&
          !path
            .relative(item, file)
            .split(path.sep)
            .some((part) => part.startsWith("."))
        )
          files.push(file);
      }
    } else files.push(item);
  }
  return files;
}

function printResult(result: RetrieveResult, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  if (result.hits.length === 0) console.log("No hits.");
  for (const [index, hit] of result.hits.entries()) {
    const page = hit.citation.page ? ` p.${hit.citation.page}` : "";
    console.log(
      `${index + 1}. ${hit.score.toFixed(3)}  ${hit.citation.documentName}${page} #${hit.citation.position}`,
    );
    console.log(`   ${hit.content.replace(/\s+/g, " ").slice(0, 240)}`);
  }
}

/** `nexus kb ...` (issue 7): create knowledge bases, ingest files, folders and URLs, search. */
export function registerKbCommand(program: Command): void {
  const kb = program.command("kb").description("Knowledge bases: create, ingest files/URLs, search");

  addDataOptions(
    kb
      .command("create <name>")
      .description("Create a knowledge base")
      .option("--embedding-model <alias>", "a gateway embedding alias, or builtin (default)")
      .option("--chunk-size <tokens>", "largest chunk, in tokens", positiveInteger)
      .option("--chunking <strategy>", "general | markdown | parent-child | qa"),
  ).action(
    async (
      name: string,
      options: DataOptions & { embeddingModel?: string; chunkSize?: number; chunking?: string },
    ) => {
      const fields = {
        name,
        ...(options.embeddingModel ? { embeddingModel: options.embeddingModel } : {}),
        settings: {
          chunking: {
            ...(options.chunkSize ? { size: options.chunkSize } : {}),
            ...(options.chunking ? { strategy: options.chunking } : {}),
          },
        },
      };
      let base: KnowledgeBase;
      if (options.url) {
        const client = RemoteClient.fromEnvironment(options.url);
        await client.assertWorkspace(options.workspace);
        base = await client.request<KnowledgeBase>("POST", "/api/knowledge/datasets", fields);
      } else {
        base = await withLocalKnowledge(
          configFrom(options),
          options.workspace,
          async (_service, workspaceId, db) => {
            try {
              return await createKnowledgeBase(
                db,
                workspaceId,
                fields as Parameters<typeof createKnowledgeBase>[2],
              );
            } catch (error) {
              if ((error as { issues?: unknown }).issues)
                throw new CliError(`invalid settings: ${(error as Error).message}`, 2);
              throw error;
            }
          },
        );
      }
      if (options.json) console.log(JSON.stringify(base, null, 2));
      else console.log(base.id);
    },
  );

  addDataOptions(kb.command("list").description("List knowledge bases")).action(
    async (options: DataOptions) => {
      const bases = options.url
        ? (
            await RemoteClient.fromEnvironment(options.url).request<{ data: KnowledgeBase[] }>(
              "GET",
              "/api/knowledge/datasets",
            )
          ).data
        : await withLocalKnowledge(configFrom(options), options.workspace, (_service, workspaceId, db) =>
            listKnowledgeBases(db, workspaceId),
          );
      if (options.json) console.log(JSON.stringify(bases, null, 2));
      else
        console.log(
          formatTable(
            ["NAME", "EMBEDDER", "ID"],
            bases.map((base) => [base.name, base.embeddingModel, base.id]),
          ),
        );
    },
  );

  addDataOptions(
    kb
      .command("ingest <name> <sources...>")
      .description("Add files, folders and URLs to a knowledge base and wait until they are indexed")
      .option("--no-wait", "return once queued (with --url)"),
  ).action(async (name: string, sources: string[], options: DataOptions & { wait: boolean }) => {
    const files = filesOf(sources);
    const urls = sources.filter((source) => /^https?:\/\//i.test(source));
    let documents: KnowledgeDocument[];
    if (options.url) documents = await ingestRemote(options, name, files, urls, options.wait);
    else {
      documents = await withLocalKnowledge(
        configFrom(options),
        options.workspace,
        async (service, workspaceId, db) => {
          await getKnowledgeBase(db, workspaceId, name);
          const ids: string[] = [];
          for (const file of files) {
            ids.push(
              (
                await service.addDocument(workspaceId, name, {
                  name: path.basename(file),
                  data: fs.readFileSync(file),
                  source: "file",
                  sourceUri: path.resolve(file),
                })
              ).document.id,
            );
          }
          for (const url of urls) {
            // A local user may import from their own network; the server refuses private addresses.
            const page = await fetchForImport(url, {
              allowedPrivateHosts: [new URL(url).host, new URL(url).hostname],
            });
            ids.push(
              (
                await service.addDocument(workspaceId, name, {
                  name: page.name,
                  data: page.data,
                  mimeType: page.mimeType,
                  source: "url",
                  sourceUri: page.url,
                })
              ).document.id,
            );
          }
          service.start();
          const { getDocument } = await import("@nexus/knowledge");
          return waitForDocuments(ids, (id) => getDocument(db, workspaceId, id));
        },
      );
    }
    report(documents, options.json);
  });

  addDataOptions(
    kb
      .command("watch <name> <folder>")
      .description(
        "Keep a knowledge base in step with a folder until stopped (Ctrl-C): changed files are re-indexed, removed ones deleted",
      ),
  ).action(async (name: string, folder: string, options: DataOptions) => {
    if (options.url)
      throw new CliError("kb watch runs on this machine's data directory; it does not take --url", 2);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory())
      throw new CliError(`${folder}: no such folder`);
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    // A signal stops the watch; the process exits once the queue and store are closed.
    onShutdownSignal(async () => {
      stop();
      await finished;
    });
    try {
      await withLocalKnowledge(configFrom(options), options.workspace, async (service, workspaceId, db) => {
        await getKnowledgeBase(db, workspaceId, name);
        service.start();
        const watched = watchFolder({
          service,
          workspaceId,
          knowledgeBase: name,
          folder,
          onError: (file, error) => process.stderr.write(`${file}: ${(error as Error).message}\n`),
          onQueued: (file, documentId) =>
            process.stderr.write(
              `${documentId === null ? "removed" : "queued"} ${path.relative(folder, file)}\n`,
            ),
        });
        await watched.ready;
        process.stderr.write(`Watching ${path.resolve(folder)} for '${name}' (Ctrl-C to stop)\n`);
        await stopped;
        watched.close();
      });
    } finally {
      finish();
    }
  });

  addDataOptions(
    kb
      .command("search <name> <query>")
      .description("Search a knowledge base")
      .option("--mode <mode>", "vector | fulltext | hybrid (default: the knowledge base's)")
      .option("--top-k <n>", "hits to return", positiveInteger),
  ).action(async (name: string, query: string, options: DataOptions & { mode?: string; topK?: number }) => {
    if (options.mode && !(searchModes as readonly string[]).includes(options.mode)) {
      throw new CliError(`--mode must be one of ${searchModes.join(", ")}`, 2);
    }
    const request = {
      query,
      ...(options.mode ? { mode: options.mode as (typeof searchModes)[number] } : {}),
      ...(options.topK ? { topK: options.topK } : {}),
    };
    let result: RetrieveResult;
    if (options.url) {
      const client = RemoteClient.fromEnvironment(options.url);
      await client.assertWorkspace(options.workspace);
      const base = await client.request<KnowledgeBase>(
        "GET",
        `/api/knowledge/datasets/${encodeURIComponent(name)}`,
      );
      result = await client.request<RetrieveResult>("POST", "/api/knowledge/search", {
        knowledgeBaseIds: [base.id],
        ...request,
      });
    } else {
      result = await withLocalKnowledge(configFrom(options), options.workspace, (service, workspaceId) =>
        service.retrieve({ workspaceId, knowledgeBaseIds: [name], ...request }),
      );
    }
    printResult(result, options.json);
  });
}

function report(documents: KnowledgeDocument[], json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(documents, null, 2));
  } else {
    console.log(
      formatTable(
        ["DOCUMENT", "STATUS", "CHUNKS", "ERROR"],
        documents.map((document) => [
          document.name,
          document.status,
          String(document.chunkCount),
          document.error ?? "",
        ]),
      ),
    );
  }
  if (documents.some((document) => document.status === "failed" || document.status === "needs_ocr"))
    process.exitCode = 1;
}
