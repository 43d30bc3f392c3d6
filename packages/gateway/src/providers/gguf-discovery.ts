import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { ProviderModel } from "./model-provider.ts";

/** A `.gguf` file found in the models directory. */
export interface GgufFile {
  /** The model id clients send: the file name without `.gguf`. */
  id: string;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** What the GGUF header says about a model, read once per file version. */
export interface GgufSummary {
  /** False when the file is not a readable GGUF file. */
  valid: boolean;
  contextLength?: number;
  hasChatTemplate: boolean;
  architecture?: string;
}

// Encoder-only architectures llama.cpp runs for embeddings, not chat.
const embeddingOnlyArchitectures = new Set([
  "bert",
  "nomic-bert",
  "nomic-bert-moe",
  "jina-bert-v2",
  "t5encoder",
]);

/**
 * Lists `.gguf` files in `modelsDir` (not recursive). A missing directory means no models.
 *
 * @example
 * const files = await scanGgufFiles("/var/lib/nexus/models"); // [{ id: "qwen2.5-0.5b", ... }]
 */
export async function scanGgufFiles(modelsDir: string): Promise<Map<string, GgufFile>> {
  const found = new Map<string, GgufFile>();
  let names: string[];
  try {
    names = await readdir(modelsDir);
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ENOTDIR"
    ) {
      return found;
    }
    throw error;
  }
  await Promise.all(
    names
      .filter((name) => name.toLowerCase().endsWith(".gguf"))
      .map(async (name) => {
        const filePath = path.join(modelsDir, name);
        const stats = await stat(filePath).catch(() => undefined);
        if (!stats?.isFile()) return;
        const id = name.slice(0, -".gguf".length);
        found.set(id, { id, path: filePath, sizeBytes: stats.size, mtimeMs: stats.mtimeMs });
      }),
  );
  return found;
}

const ggufMagic = Buffer.from("GGUF", "ascii");

/** True when the file starts with the GGUF magic bytes. */
export async function hasGgufMagic(filePath: string): Promise<boolean> {
  const handle = await open(filePath, "r").catch(() => undefined);
  if (!handle) return false;
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return bytesRead === 4 && buffer.equals(ggufMagic);
  } finally {
    await handle.close();
  }
}

// Large arrays in the header that a summary never needs.
const ignoredKeys = [
  "tokenizer.ggml.tokens",
  "tokenizer.ggml.scores",
  "tokenizer.ggml.token_type",
  "tokenizer.ggml.merges",
];

/** Reads the GGUF header (not tensors); never throws: an unreadable file gives `valid: false`. */
export async function readGgufSummary(file: GgufFile): Promise<GgufSummary> {
  if (!(await hasGgufMagic(file.path))) return { valid: false, hasChatTemplate: false };
  try {
    const { readGgufFileInfo } = await import("node-llama-cpp");
    const info = await readGgufFileInfo(file.path, {
      readTensorInfo: false,
      ignoreKeys: ignoredKeys,
      logWarnings: false,
    });
    const metadata = info.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
    const architecture = metadata.general?.architecture as string | undefined;
    const contextLength = architecture ? metadata[architecture]?.context_length : undefined;
    return {
      valid: true,
      architecture,
      contextLength: typeof contextLength === "number" ? contextLength : undefined,
      hasChatTemplate: typeof metadata.tokenizer?.chat_template === "string",
    };
  } catch {
    return { valid: false, hasChatTemplate: false };
  }
}

/** The provider-facing description of a model file. */
export function toProviderModel(file: GgufFile, summary: GgufSummary | undefined): ProviderModel {
  const embeddingOnly =
    summary?.architecture !== undefined && embeddingOnlyArchitectures.has(summary.architecture);
  return {
    id: file.id,
    capabilities: embeddingOnly ? ["embeddings"] : ["chat", "tools", "embeddings"],
    ...(summary?.contextLength ? { contextLength: summary.contextLength } : {}),
  };
}
