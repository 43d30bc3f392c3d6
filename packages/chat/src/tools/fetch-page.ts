import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { defineChatTool, stringArgument, ToolInputError } from "./chat-tool.ts";
import { type HostPermission, hostPermission, isPrivateAddress } from "./host-allow-list.ts";
import { htmlToText } from "./html-to-text.ts";

const timeoutMs = 10_000;
const maxBodyBytes = 2 * 1024 * 1024;
const maxTextCharacters = 20_000;
const maxRedirects = 3;

/**
 * Reads a web page as text. Only hosts on the allow-list (the instance's and the agent's) are
 * fetched; private addresses only for hosts named exactly. The address is checked when the
 * connection is made, so a DNS answer cannot swap a public host for a private one afterwards.
 */
export const fetchPageTool = defineChatTool({
  name: "fetch_page",
  description: "Fetches a web page (HTTP GET) and returns its readable text. Only allowed hosts can be read.",
  parameters: {
    type: "object",
    properties: { url: { type: "string", description: "The http:// or https:// URL of the page" } },
    required: ["url"],
  },
  async run(input, context) {
    let url = parseUrl(stringArgument(input, "url", true));
    const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]);
    for (let redirects = 0; ; redirects++) {
      const permission = hostPermission(context.fetchAllowedHosts, url);
      if (!permission.allowed) {
        throw new ToolInputError(
          `The host '${url.host}' is not on this agent's allow-list, so it cannot be fetched`,
        );
      }
      const response = await get(url, permission, signal);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.destroy();
        if (redirects >= maxRedirects) throw new ToolInputError(`More than ${maxRedirects} redirects`);
        url = parseUrl(new URL(location, url).toString());
        continue;
      }
      if (status >= 400) {
        response.destroy();
        throw new ToolInputError(`The server answered HTTP ${status}`);
      }
      return readable(url, response, await readBody(response));
    }
  },
});

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ToolInputError(`'${text}' is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ToolInputError("Only http:// and https:// URLs can be fetched");
  }
  if (url.username || url.password) throw new ToolInputError("URLs with credentials are not fetched");
  return url;
}

function get(url: URL, permission: HostPermission, signal: AbortSignal): Promise<IncomingMessage> {
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(hostname) && !permission.named && isPrivateAddress(hostname)) {
    return Promise.reject(privateAddressError(url));
  }
  const checkedLookup: LookupFunction = (name, options, callback) => {
    dnsLookup(name, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 4);
      const list = addresses ?? [];
      if (!permission.named && list.some((entry) => isPrivateAddress(entry.address))) {
        return callback(privateAddressError(url), "", 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`no address for ${name}`), "", 4);
      callback(null, first.address, first.family);
    });
  };
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      {
        lookup: checkedLookup,
        signal,
        headers: {
          "user-agent": "NexusChat/1.0 (fetch_page tool)",
          accept: "text/html,text/*;q=0.9,*/*;q=0.5",
        },
      },
      resolve,
    );
    request.on("error", (error) => reject(requestError(url, error, signal)));
  });
}

function requestError(url: URL, error: Error, signal: AbortSignal): Error {
  if (error instanceof ToolInputError) return error;
  if (signal.aborted)
    return new ToolInputError(`Fetching ${url.host} took longer than ${timeoutMs / 1000} s`);
  return new ToolInputError(`Could not fetch ${url.host}: ${error.message}`);
}

function privateAddressError(url: URL): ToolInputError {
  return new ToolInputError(
    `'${url.hostname}' is a private address; only hosts named exactly on the allow-list may be private`,
  );
}

async function readBody(response: IncomingMessage): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxBodyBytes) {
      response.destroy();
      return { bytes: Buffer.concat(chunks).subarray(0, maxBodyBytes), truncated: true };
    }
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}

function readable(url: URL, response: IncomingMessage, body: { bytes: Buffer; truncated: boolean }): string {
  const contentType = String(response.headers["content-type"] ?? "text/plain").toLowerCase();
  const isHtml = contentType.includes("html");
  const isText = isHtml || /^(text\/|application\/(json|xml|[a-z.+-]*\+(json|xml)))/.test(contentType);
  if (!isText) throw new ToolInputError(`The page is not text (${contentType.split(";")[0]})`);
  const charset = /charset=([\w-]+)/.exec(contentType)?.[1] ?? "utf-8";
  let decoded: string;
  try {
    decoded = new TextDecoder(charset).decode(body.bytes);
  } catch {
    decoded = new TextDecoder("utf-8").decode(body.bytes);
  }
  const page = isHtml ? htmlToText(decoded) : { title: "", text: decoded };
  const cut = page.text.length > maxTextCharacters || body.truncated;
  const header = [page.title ? `Title: ${page.title}` : "", `URL: ${url.toString()}`].filter(Boolean);
  return `${header.join("\n")}\n\n${page.text.slice(0, maxTextCharacters)}${cut ? "\n[… the page is longer; the rest was cut]" : ""}`;
}
