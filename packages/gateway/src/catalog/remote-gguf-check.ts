import { NexusError } from "@nexus/core";
import { huggingFaceEndpoint } from "./pull-source.ts";

export interface RemoteGguf {
  /** The file's size, when the server said it. */
  totalBytes?: number;
  /** The URL without query or credentials, for messages. */
  displayUrl: string;
}

const answerTimeoutMs = 30_000;
const ggufMagic = "GGUF";

/**
 * Asks for the first bytes of `url` (following redirects, as Hugging Face's go to a CDN) and
 * checks they are the GGUF magic, so a pull fails at once, with a message saying why, when the
 * machine is offline, the host is wrong, the file is missing or gated, or the URL is a web page.
 */
export async function checkRemoteGguf(
  url: string,
  options: { signal?: AbortSignal; huggingFace?: boolean } = {},
): Promise<RemoteGguf> {
  const { signal } = options;
  const parsed = new URL(url);
  const huggingFace = options.huggingFace ?? isHuggingFace(parsed);
  const displayUrl = `${parsed.origin}${parsed.pathname}`;
  const host = parsed.host;
  const timeout = AbortSignal.timeout(answerTimeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { range: "bytes=0-7", ...(huggingFace ? huggingFaceAuthorization() : {}) },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) {
      throw new NexusError(
        "service_unavailable",
        `${host} did not answer within ${answerTimeoutMs / 1000} s`,
      );
    }
    const cause = (error as Error).cause as { code?: string; message?: string } | undefined;
    throw new NexusError(
      "service_unavailable",
      `Cannot reach ${host} (${cause?.code ?? cause?.message ?? (error as Error).message}): check the address and the network connection; pulling a model needs to download it`,
      { cause: error },
    );
  }
  try {
    if (!response.ok) throw statusError(response.status, host, displayUrl, huggingFace);
    const head = await firstBytes(response, 4);
    if (head.toString("latin1") !== ggufMagic) {
      const type = response.headers.get("content-type");
      const printable = head.toString("latin1").replace(/[^\x20-\x7e]/g, "?");
      throw new NexusError(
        "unprocessable_entity",
        `${displayUrl} is not a GGUF model file (${type ? `content-type ${type}, ` : ""}it starts with "${printable}" where a GGUF file starts with "GGUF")`,
      );
    }
    return { displayUrl, totalBytes: totalSize(response) };
  } finally {
    await response.body?.cancel().catch(() => {});
  }
}

function statusError(status: number, host: string, displayUrl: string, huggingFace: boolean): NexusError {
  if (status === 404 || status === 410) {
    const hint = huggingFace ? ": check the user, repo and file name (and the branch after '#')" : "";
    return new NexusError("not_found", `Nothing to download at ${displayUrl} (HTTP ${status})${hint}`);
  }
  if (status === 401 || status === 403) {
    const hint = huggingFace
      ? ": the model may be gated; accept its terms on Hugging Face and set HF_TOKEN to a token that may read it"
      : "";
    return new NexusError("permission_denied", `${host} refused the download (HTTP ${status})${hint}`);
  }
  if (status === 416) return new NexusError("unprocessable_entity", `${displayUrl} is an empty file`);
  return new NexusError("service_unavailable", `${host} answered HTTP ${status} for ${displayUrl}`);
}

async function firstBytes(response: Response, count: number): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  reader.releaseLock();
  return Buffer.concat(chunks).subarray(0, count);
}

/** From `Content-Range: bytes 0-7/1750560` (a range answer) or `Content-Length` (a whole answer). */
function totalSize(response: Response): number | undefined {
  const range = /\/(\d+)\s*$/.exec(response.headers.get("content-range") ?? "");
  if (response.status === 206) return range ? Number(range[1]) : undefined;
  const length = Number(response.headers.get("content-length"));
  return Number.isFinite(length) && length > 0 ? length : undefined;
}

function isHuggingFace(url: URL): boolean {
  const endpointHost = new URL(huggingFaceEndpoint()).host;
  return url.host === endpointHost || url.host === "huggingface.co" || url.host === "hf.co";
}

/** Hugging Face's token for gated models, as node-llama-cpp's downloader sends it too. */
function huggingFaceAuthorization(): Record<string, string> {
  const token = process.env.HF_TOKEN;
  return token ? { authorization: `Bearer ${token}` } : {};
}
