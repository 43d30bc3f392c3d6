import { mkdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { NexusError } from "@nexus/core";
import { hasGgufMagic } from "../providers/gguf-discovery.ts";
import type { CatalogModel } from "./model-catalog.ts";
import { resolvePullSource } from "./pull-source.ts";
import { checkRemoteGguf } from "./remote-gguf-check.ts";

export interface PullProgress {
  downloadedBytes: number;
  /** 0 until the server told the size. */
  totalBytes: number;
  /** Average over the download so far. */
  bytesPerSecond: number;
}

export interface PullModelOptions {
  /** A catalog name, `hf:<user>/<repo>/<file>.gguf` or an http(s) URL of a `.gguf` file. */
  source: string;
  /** Where the local provider finds models (`NEXUS_MODELS_DIR`). */
  modelsDir: string;
  /** Save as `<modelId>.gguf` instead of the catalog name or the file's own name. */
  modelId?: string;
  /** Stops the download, keeping what arrived so the next pull of the same source resumes. */
  signal?: AbortSignal;
  onProgress?(progress: PullProgress): void;
  /** Give up (resumably) when no byte arrived for this long. Default 60 s. */
  stallTimeoutMs?: number;
  huggingFaceEndpoint?: string;
}

export interface PulledModel {
  /** The id the local provider serves it under (`local/<modelId>`). */
  modelId: string;
  path: string;
  sizeBytes: number;
  /** The same file was there already; nothing was downloaded. */
  alreadyPresent: boolean;
  catalog?: CatalogModel;
}

/**
 * Downloads a GGUF model into the models directory with node-llama-cpp's downloader (parallel
 * connections, resumable: a stopped pull leaves `<file>.gguf.ipull`, which the next pull of the
 * same source continues). Before any download it checks that the source answers and is a GGUF
 * file, so offline, a 404 or a web page fail at once with a NexusError saying which.
 *
 * @example
 * const pulled = await pullModel({ source: "qwen2.5-0.5b-instruct", modelsDir, onProgress: draw });
 * pulled.modelId; // "qwen2.5-0.5b-instruct"
 */
export async function pullModel(options: PullModelOptions): Promise<PulledModel> {
  const source = resolvePullSource(options.source, options);
  const modelId = source.fileName.slice(0, -".gguf".length);
  const finalPath = path.join(options.modelsDir, source.fileName);
  const remote = await checkRemoteGguf(source.url, {
    signal: options.signal,
    huggingFace: source.fromHuggingFace,
  });
  const existing = await stat(finalPath).catch(() => undefined);
  if (existing) {
    if (existing.size === remote.totalBytes && (await hasGgufMagic(finalPath))) {
      return {
        modelId,
        path: finalPath,
        sizeBytes: existing.size,
        alreadyPresent: true,
        catalog: source.catalog,
      };
    }
    throw new NexusError(
      "conflict",
      `${finalPath} already exists and is not the file at ${remote.displayUrl}; delete it, or pull with --name <another model id>`,
    );
  }
  await mkdir(options.modelsDir, { recursive: true });
  await download(source.url, options.modelsDir, source.fileName, options, remote.displayUrl);
  if (!(await hasGgufMagic(finalPath))) {
    await unlink(finalPath).catch(() => {});
    throw new NexusError(
      "unprocessable_entity",
      `What ${remote.displayUrl} sent is not a GGUF file; removed it`,
    );
  }
  const { size } = await stat(finalPath);
  return { modelId, path: finalPath, sizeBytes: size, alreadyPresent: false, catalog: source.catalog };
}

async function download(
  url: string,
  modelsDir: string,
  fileName: string,
  options: PullModelOptions,
  displayUrl: string,
): Promise<void> {
  const { createModelDownloader } = await import("node-llama-cpp");
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const controller = new AbortController();
  const stopOnOuterAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", stopOnOuterAbort, { once: true });
  let lastBytes = -1;
  let lastChange = performance.now();
  let stalled = false;
  const watchdog = setInterval(
    () => {
      if (performance.now() - lastChange < stallTimeoutMs) return;
      stalled = true;
      controller.abort(new Error("stalled"));
    },
    Math.min(1_000, stallTimeoutMs),
  );
  try {
    const downloader = await createModelDownloader({
      modelUri: url,
      dirPath: modelsDir,
      fileName,
      skipExisting: true,
      // Keep the partial file: pulling the same source again resumes from it.
      deleteTempFileOnCancel: false,
      onProgress: ({ totalSize, downloadedSize, averageSpeed }) => {
        if (downloadedSize !== lastBytes) {
          lastBytes = downloadedSize;
          lastChange = performance.now();
        }
        options.onProgress?.({
          downloadedBytes: downloadedSize,
          totalBytes: totalSize,
          bytesPerSecond: averageSpeed,
        });
      },
    });
    if (controller.signal.aborted) throw controller.signal.reason;
    await downloader.download({ signal: controller.signal });
    // A cancelled download can end without an error: the abort is what says it did not finish.
    if (controller.signal.aborted) throw controller.signal.reason;
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (stalled) {
      throw new NexusError(
        "service_unavailable",
        `No data from ${displayUrl} for ${Math.round(stallTimeoutMs / 1000)} s; run the same pull again to resume`,
      );
    }
    throw new NexusError(
      "service_unavailable",
      `Downloading ${displayUrl} failed: ${(error as Error).message ?? error}; run the same pull again to resume`,
      { cause: error },
    );
  } finally {
    clearInterval(watchdog);
    options.signal?.removeEventListener("abort", stopOnOuterAbort);
  }
}
