import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { isPrivateAddress, NexusError } from "@nexus/core";

export { isPrivateAddress };

export interface UrlImportOptions {
  /** Hosts (`host` or `host:port`) whose private addresses may be read; tests name 127.0.0.1 here. */
  allowedPrivateHosts?: readonly string[];
  maxBytes?: number;
  timeoutMs?: number;
}

export interface FetchedPage {
  url: string;
  data: Buffer;
  mimeType: string;
  name: string;
}

const refuse = (message: string) => new NexusError("unprocessable_entity", message, { param: "url" });

/**
 * Reads a URL for import, guarded against SSRF: http(s) only; every address the name resolves
 * to is checked when the connection is made (so DNS rebinding cannot slip a private address in
 * after a check), redirects are followed by hand and checked again, and the body is capped.
 */
export async function fetchForImport(rawUrl: string, options: UrlImportOptions = {}): Promise<FetchedPage> {
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new NexusError("invalid_request", `'${rawUrl}' is not a URL`, { param: "url" });
  }
  for (let redirects = 0; ; redirects++) {
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw refuse(`only http and https URLs can be imported, not ${url.protocol}`);
    const response = await request(url, options, maxBytes);
    if (response.status >= 300 && response.status < 400 && response.location) {
      if (redirects >= 5) throw refuse(`${rawUrl} redirects too many times`);
      url = new URL(response.location, url);
      continue;
    }
    if (response.status >= 400) throw refuse(`${url.href} answered HTTP ${response.status}`);
    const mimeType = response.contentType?.split(";")[0]?.trim() || "application/octet-stream";
    const last = decodeURIComponent(url.pathname.split("/").filter(Boolean).pop() ?? "") || url.hostname;
    const name = /\.[a-z0-9]{1,5}$/i.test(last) ? last : `${last}${mimeType === "text/html" ? ".html" : ""}`;
    return { url: url.href, data: response.body, mimeType, name };
  }
}

function request(url: URL, options: UrlImportOptions, maxBytes: number) {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const named = (options.allowedPrivateHosts ?? []).some((entry) => {
    const value = entry.trim().toLowerCase();
    return value === host || value === `${host}:${port}`;
  });
  // An address literal is connected to without a lookup, so it is checked here.
  if (isIP(host) && isPrivateAddress(host) && !named) {
    return Promise.reject(refuse(`${host} is a private address; importing from it is not allowed`));
  }
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 4);
      const list = addresses as dns.LookupAddress[];
      const bad = list.find((entry) => isPrivateAddress(entry.address));
      if (bad && !named) {
        return callback(
          refuse(
            `${hostname} resolves to a private address (${bad.address}); importing from it is not allowed`,
          ),
          "",
          4,
        );
      }
      if (lookupOptions.all) return callback(null, list as unknown as string, 4);
      const first = list[0] as dns.LookupAddress;
      callback(null, first.address, first.family);
    });
  };
  const client = url.protocol === "https:" ? https : http;
  return new Promise<{ status: number; location?: string; contentType?: string; body: Buffer }>(
    (resolve, reject) => {
      const outgoing = client.get(
        url,
        { lookup, timeout: options.timeoutMs ?? 15_000, headers: { "user-agent": "Nexus knowledge import" } },
        (incoming) => {
          const status = incoming.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            incoming.resume();
            return resolve({
              status,
              ...(incoming.headers.location ? { location: incoming.headers.location } : {}),
              body: Buffer.alloc(0),
            });
          }
          const parts: Buffer[] = [];
          let size = 0;
          let tooLarge = false;
          incoming.on("data", (part: Buffer) => {
            if (tooLarge) return;
            size += part.length;
            if (size > maxBytes) {
              tooLarge = true;
              reject(new NexusError("payload_too_large", `${url.href} is larger than ${maxBytes} bytes`));
              incoming.destroy();
              return;
            }
            parts.push(part);
          });
          incoming.on("end", () => {
            if (tooLarge) return;
            resolve({
              status,
              ...(incoming.headers["content-type"] ? { contentType: incoming.headers["content-type"] } : {}),
              body: Buffer.concat(parts),
            });
          });
          incoming.on("error", (error) => reject(refuse(`${url.href} could not be read: ${error.message}`)));
        },
      );
      outgoing.on("timeout", () => outgoing.destroy(refuse(`${url.href} did not answer in time`)));
      outgoing.on("error", (error) =>
        reject(
          error instanceof NexusError ? error : refuse(`${url.href} could not be read: ${error.message}`),
        ),
      );
    },
  );
}
