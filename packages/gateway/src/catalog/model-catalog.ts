/**
 * Small GGUF models that run well on a laptop CPU, for `nexus models pull <name>` and the web
 * app's first-run screen. Each is one file on Hugging Face, named as a node-llama-cpp model URI
 * (`hf:<user>/<repo>/<file>.gguf`); repos and files were checked against their Hugging Face
 * listings; sizes are as published (rounded for Phi-3.5, BGE small and MiniLM).
 */
export interface CatalogModel {
  /** What `nexus models pull` takes, and the model id once pulled (the file is saved as `<name>.gguf`). */
  name: string;
  /** For people, e.g. "Qwen2.5 0.5B Instruct". */
  title: string;
  purpose: "chat" | "embedding";
  /** node-llama-cpp model URI of the file. */
  uri: string;
  /** Download size in bytes. */
  sizeBytes: number;
  /** Context window the model was trained for, in tokens. */
  contextLength: number;
  /** SPDX id, or the license's name where it has none. */
  license: string;
  quantization: string;
  /** One line on what it is good for. */
  description: string;
}

export const modelCatalog: readonly CatalogModel[] = [
  {
    name: "qwen2.5-0.5b-instruct",
    title: "Qwen2.5 0.5B Instruct",
    purpose: "chat",
    uri: "hf:bartowski/Qwen2.5-0.5B-Instruct-GGUF/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
    sizeBytes: 397_808_192,
    contextLength: 32_768,
    license: "Apache-2.0",
    quantization: "Q4_K_M",
    description: "Smallest and fastest; fine for quick answers, tool calls and JSON on any laptop.",
  },
  {
    name: "qwen2.5-1.5b-instruct",
    title: "Qwen2.5 1.5B Instruct",
    purpose: "chat",
    uri: "hf:bartowski/Qwen2.5-1.5B-Instruct-GGUF/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf",
    sizeBytes: 986_048_768,
    contextLength: 32_768,
    license: "Apache-2.0",
    quantization: "Q4_K_M",
    description: "A good default: much better answers than 0.5B, still fast on a CPU.",
  },
  {
    name: "qwen3-0.6b",
    title: "Qwen3 0.6B",
    purpose: "chat",
    uri: "hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf",
    sizeBytes: 639_446_688,
    contextLength: 32_768,
    license: "Apache-2.0",
    quantization: "Q8_0",
    description: "Tiny model with a thinking mode; the official Qwen build.",
  },
  {
    name: "qwen3-1.7b",
    title: "Qwen3 1.7B",
    purpose: "chat",
    uri: "hf:Qwen/Qwen3-1.7B-GGUF/Qwen3-1.7B-Q8_0.gguf",
    sizeBytes: 1_834_426_016,
    contextLength: 32_768,
    license: "Apache-2.0",
    quantization: "Q8_0",
    description: "Reasons step by step and calls tools well for its size.",
  },
  {
    name: "llama-3.2-1b-instruct",
    title: "Llama 3.2 1B Instruct",
    purpose: "chat",
    uri: "hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf",
    sizeBytes: 807_694_464,
    contextLength: 131_072,
    license: "Llama 3.2 Community License",
    quantization: "Q4_K_M",
    description: "Meta's small model; long context, good at summaries and rewriting.",
  },
  {
    name: "llama-3.2-3b-instruct",
    title: "Llama 3.2 3B Instruct",
    purpose: "chat",
    uri: "hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf",
    sizeBytes: 2_019_377_600,
    contextLength: 131_072,
    license: "Llama 3.2 Community License",
    quantization: "Q4_K_M",
    description: "The best all-rounder here if the laptop has 8 GB of memory to spare.",
  },
  {
    name: "phi-3.5-mini-instruct",
    title: "Phi-3.5 mini Instruct",
    purpose: "chat",
    uri: "hf:bartowski/Phi-3.5-mini-instruct-GGUF/Phi-3.5-mini-instruct-Q4_K_M.gguf",
    sizeBytes: 2_390_000_000,
    contextLength: 131_072,
    license: "MIT",
    quantization: "Q4_K_M",
    description: "Microsoft's 3.8B model; strong at reasoning and code for its size.",
  },
  {
    name: "smollm2-1.7b-instruct",
    title: "SmolLM2 1.7B Instruct",
    purpose: "chat",
    uri: "hf:bartowski/SmolLM2-1.7B-Instruct-GGUF/SmolLM2-1.7B-Instruct-Q4_K_M.gguf",
    sizeBytes: 1_055_609_824,
    contextLength: 8_192,
    license: "Apache-2.0",
    quantization: "Q4_K_M",
    description: "Hugging Face's fully open small model; English only.",
  },
  {
    name: "nomic-embed-text-v1.5",
    title: "nomic-embed-text v1.5",
    purpose: "embedding",
    uri: "hf:nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.Q8_0.gguf",
    sizeBytes: 146_146_432,
    contextLength: 2_048,
    license: "Apache-2.0",
    quantization: "Q8_0",
    description: "768-dimension embeddings for knowledge bases and semantic cache; the usual default.",
  },
  {
    name: "bge-small-en-v1.5",
    title: "BGE small en v1.5",
    purpose: "embedding",
    uri: "hf:CompendiumLabs/bge-small-en-v1.5-gguf/bge-small-en-v1.5-q8_0.gguf",
    sizeBytes: 36_800_000,
    contextLength: 512,
    license: "MIT",
    quantization: "Q8_0",
    description: "384-dimension English embeddings; tiny and quick.",
  },
  {
    name: "all-minilm-l6-v2",
    title: "all-MiniLM-L6-v2",
    purpose: "embedding",
    uri: "hf:second-state/All-MiniLM-L6-v2-Embedding-GGUF/all-MiniLM-L6-v2-Q8_0.gguf",
    sizeBytes: 25_000_000,
    contextLength: 512,
    license: "Apache-2.0",
    quantization: "Q8_0",
    description: "The classic sentence-transformers model, 384 dimensions; smallest of all.",
  },
];

/** What to suggest first when a Nexus has no model: one chat model, one embedding model. */
export const suggestedCatalogModels: readonly string[] = ["qwen2.5-0.5b-instruct", "nomic-embed-text-v1.5"];

/** The catalog entry with this name (case-insensitive), if any. */
export function findCatalogModel(name: string): CatalogModel | undefined {
  const wanted = name.trim().toLowerCase();
  return modelCatalog.find((model) => model.name === wanted);
}

/** The shell command that pulls a catalog model. */
export const pullCommandFor = (model: Pick<CatalogModel, "name">) => `nexus models pull ${model.name}`;

/** "398 MB", "1.8 GB": sizes as people read them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}
