import { NexusError } from "@nexus/core";
import { type CatalogModel, findCatalogModel, modelCatalog } from "./model-catalog.ts";

/** Where a pull downloads from and what the file is called in the models directory. */
export interface PullSource {
  /** The http(s) URL of the file (a Hugging Face URI resolved against its endpoint). */
  url: string;
  /** `<model id>.gguf`: the local provider names the model after its file. */
  fileName: string;
  /** Set when the source was a catalog name. */
  catalog?: CatalogModel;
  /** The URL is on the Hugging Face endpoint (messages and tokens differ). */
  fromHuggingFace: boolean;
}

export interface PullSourceOptions {
  /** The model id to save as, instead of the catalog name or the file's own name. */
  modelId?: string;
  /** Hugging Face (or mirror) base URL. Default: `MODEL_ENDPOINT`, `HF_ENDPOINT`, else https://huggingface.co/. */
  huggingFaceEndpoint?: string;
}

const modelIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const huggingFaceUriPattern = /^hf:([^/\s]+)\/([^/\s]+)\/([^#\s]+\.gguf)(?:#([^\s]+))?$/i;

/** The Hugging Face base URL, as node-llama-cpp resolves it, so the preflight and the download agree. */
export function huggingFaceEndpoint(explicit?: string): string {
  const endpoint =
    explicit ?? process.env.MODEL_ENDPOINT ?? process.env.HF_ENDPOINT ?? "https://huggingface.co/";
  return endpoint.endsWith("/") ? endpoint : `${endpoint}/`;
}

/**
 * Turns what a person typed after `nexus models pull` into a URL and a file name: a catalog name
 * (`qwen2.5-0.5b-instruct`), a Hugging Face URI (`hf:<user>/<repo>/<path>.gguf[#branch]`) or an
 * http(s) URL of a `.gguf` file. Throws NexusError `invalid_request` for anything else.
 *
 * @example
 * resolvePullSource("hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf");
 * // { url: "https://huggingface.co/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf?download=true", fileName: "Qwen3-0.6B-Q8_0.gguf" }
 */
export function resolvePullSource(source: string, options: PullSourceOptions = {}): PullSource {
  const text = source.trim();
  if (options.modelId !== undefined && !modelIdPattern.test(options.modelId)) {
    throw new NexusError(
      "invalid_request",
      `'${options.modelId}' is not a usable model id: letters, digits, '.', '_' or '-', at most 128`,
      { param: "name" },
    );
  }
  const named = (fallback: string) => `${options.modelId ?? fallback}.gguf`;
  const catalog = findCatalogModel(text);
  if (catalog) {
    return { ...fromHuggingFaceUri(catalog.uri, options), fileName: named(catalog.name), catalog };
  }
  if (/^hf:/i.test(text)) {
    const resolved = fromHuggingFaceUri(text, options);
    return { ...resolved, fileName: named(resolved.fileName.slice(0, -".gguf".length)) };
  }
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new NexusError("invalid_request", `'${text}' is not a valid URL`, { param: "source" });
    }
    const lastSegment = decodeURIComponent(url.pathname.split("/").at(-1) ?? "");
    if (!lastSegment.toLowerCase().endsWith(".gguf") && options.modelId === undefined) {
      throw new NexusError(
        "invalid_request",
        `The URL does not end in a .gguf file name; say what to call the model with --name <model-id>`,
        { param: "name" },
      );
    }
    return {
      url: url.href,
      fileName: named(safeModelId(lastSegment)),
      fromHuggingFace: isHuggingFaceUrl(url),
    };
  }
  throw new NexusError("invalid_request", unknownSourceMessage(text), { param: "source" });
}

function fromHuggingFaceUri(
  uri: string,
  options: PullSourceOptions,
): { url: string; fileName: string; fromHuggingFace: true } {
  const match = huggingFaceUriPattern.exec(uri);
  if (!match) {
    throw new NexusError(
      "invalid_request",
      `'${uri}' is not a Hugging Face file URI: write hf:<user>/<repo>/<file>.gguf (optionally #<branch>)`,
      { param: "source" },
    );
  }
  const [, user = "", repo = "", filePath = "", branch = "main"] = match;
  const encodedPath = filePath.split("/").map(encodeURIComponent).join("/");
  const url = `${huggingFaceEndpoint(options.huggingFaceEndpoint)}${encodeURIComponent(user)}/${encodeURIComponent(repo)}/resolve/${encodeURIComponent(branch)}/${encodedPath}?download=true`;
  return { url, fileName: `${safeModelId(filePath.split("/").at(-1) ?? "")}.gguf`, fromHuggingFace: true };
}

function isHuggingFaceUrl(url: URL): boolean {
  return ["huggingface.co", "hf.co", new URL(huggingFaceEndpoint()).host].includes(url.host);
}

/** A file name without `.gguf`, with anything the models directory should not hold replaced. */
function safeModelId(fileName: string): string {
  const base = fileName.replace(/\.gguf$/i, "");
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return cleaned.slice(0, 128) || "model";
}

function unknownSourceMessage(text: string): string {
  const words = text
    .toLowerCase()
    .split(/[^a-z0-9.]+/)
    .filter((word) => word.length > 1);
  const close = modelCatalog
    .filter((model) => words.some((word) => model.name.includes(word)))
    .map((model) => model.name);
  const hint = close.length > 0 ? ` Did you mean ${close.slice(0, 3).join(", ")}?` : "";
  return `'${text}' is not in the catalog (see \`nexus models catalog\`), an hf:<user>/<repo>/<file>.gguf URI or an http(s) URL of a .gguf file.${hint}`;
}
