import type { IncomingHttpHeaders } from "node:http";
import { encodeBody, parseKeyValueLines, type RequestFileLookup } from "./http-request-body.ts";
import { HttpRequestError } from "./http-request-error.ts";
import { type HttpRequestNodeData, httpRequestNodeDataSchema } from "./http-request-schema.ts";
import { decodeResponse, type HttpResponseFile } from "./http-response.ts";
import { type RawResponse, sendOnce } from "./send-request.ts";
import { checkLiteralHost, HostPolicy } from "./ssrf-guard.ts";

export type { RequestFile, RequestFileLookup } from "./http-request-body.ts";
export { HttpRequestError, type HttpRequestErrorKind } from "./http-request-error.ts";
export { type HttpRequestNodeData, httpRequestNodeDataSchema } from "./http-request-schema.ts";
export type { HttpResponseFile } from "./http-response.ts";

export interface HttpRequestOptions {
  /** Hosts, IPs or CIDR ranges the SSRF guard lets through (private and loopback are blocked otherwise). */
  allowedHosts?: string[];
  signal?: AbortSignal;
  /** Response body size limit. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Redirects followed, each checked by the SSRF guard. Default 5. */
  maxRedirects?: number;
  /** The files that form-data file fields and binary bodies name, by variable selector. */
  files?: RequestFileLookup;
}

export interface HttpRequestResult {
  status_code: number;
  body: string;
  headers: Record<string, string>;
  files: HttpResponseFile[];
}

/** Dify's defaults, in seconds. */
const defaultTimeouts = { connect: 10, read: 60, write: 20 };
const defaultMaxResponseBytes = 10 * 1024 * 1024;

/**
 * Makes a Dify http-request node's call. `render` expands `{{#node.var#}}` in the URL, headers,
 * params and body. Any status code is a result (the engine's error strategy decides); a bad
 * URL, a blocked address, a timeout, an oversized response or a connection failure throws an
 * HttpRequestError saying which.
 *
 * @example
 * await executeHttpRequest({ method: "get", url: "https://api.example.com/items?q={{#start.q#}}" }, render, {});
 */
export async function executeHttpRequest(
  data: HttpRequestNodeData,
  render: (text: string) => string,
  options: HttpRequestOptions = {},
): Promise<HttpRequestResult> {
  const parsed = httpRequestNodeDataSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpRequestError(
      "invalid",
      `invalid http-request settings: ${issue?.path.join(".")} ${issue?.message}`,
    );
  }
  const settings = parsed.data;
  const policy = new HostPolicy(options.allowedHosts);
  let url = buildUrl(render(settings.url).trim(), parseKeyValueLines(settings.params, render));
  const headers = buildHeaders(settings, render);
  const body = encodeBody(settings.body, render, options.files);
  if (body?.contentType && !hasHeader(headers, "content-type")) headers["Content-Type"] = body.contentType;
  const timeouts = {
    connectMs: (settings.timeout?.connect ?? defaultTimeouts.connect) * 1000,
    readMs: (settings.timeout?.read ?? defaultTimeouts.read) * 1000,
    writeMs: (settings.timeout?.write ?? defaultTimeouts.write) * 1000,
  };
  const maxBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
  let method = settings.method.toUpperCase();
  let payload = body?.bytes ?? null;
  for (let redirects = 0; ; redirects++) {
    checkLiteralHost(url.hostname, policy);
    const response: RawResponse = await sendOnce({
      url,
      method,
      headers,
      body: payload,
      policy,
      timeouts,
      maxBytes,
      verifyTls: settings.ssl_verify !== false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const location = response.headers.location;
    if (
      response.status >= 300 &&
      response.status < 400 &&
      location &&
      redirects < (options.maxRedirects ?? 5)
    ) {
      url = new URL(location, url);
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === "POST")
      ) {
        method = "GET";
        payload = null;
        deleteHeader(headers, "content-type");
      }
      continue;
    }
    return toResult(response, url);
  }
}

function toResult(response: RawResponse, url: URL): HttpRequestResult {
  const decoded = decodeResponse(response.body, response.headers, url);
  return {
    status_code: response.status,
    body: decoded.text,
    headers: flatHeaders(response.headers),
    files: decoded.files,
  };
}

function buildUrl(text: string, params: [string, string][]): URL {
  if (!/^https?:\/\//i.test(text)) {
    throw new HttpRequestError(
      "invalid",
      `the URL must start with http:// or https:// (got '${text.slice(0, 200)}')`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HttpRequestError("invalid", `'${text.slice(0, 200)}' is not a valid URL`);
  }
  // Appended as text: searchParams would re-encode the query the user wrote.
  if (params.length > 0) {
    const extra = new URLSearchParams(params).toString();
    url.search = url.search ? `${url.search}&${extra}` : `?${extra}`;
  }
  return url;
}

function buildHeaders(
  settings: HttpRequestNodeData,
  render: (text: string) => string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of parseKeyValueLines(settings.headers, render)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key))
      throw new HttpRequestError("invalid", `'${key}' is not a valid header name`);
    if (/[\r\n]/.test(value))
      throw new HttpRequestError("invalid", `the value of header '${key}' contains a line break`);
    headers[key] = value;
  }
  const auth = settings.authorization;
  if (auth?.type === "api-key") {
    const key = render(auth.config?.api_key ?? "");
    if (key === "") throw new HttpRequestError("invalid", "the API key authorization has no key");
    const header = auth.config?.header?.trim() || "Authorization";
    const kind = auth.config?.type ?? "bearer";
    // Dify: basic credentials given as "user:password" are base64-encoded, others sent as they are.
    if (kind === "bearer") headers[header] = `Bearer ${key}`;
    else if (kind === "basic")
      headers[header] = `Basic ${key.includes(":") ? Buffer.from(key).toString("base64") : key}`;
    else headers[header] = key;
  }
  return headers;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function deleteHeader(headers: Record<string, string>, name: string): void {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) delete headers[key];
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) flat[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
