import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ToolContext } from "./chat-tool.ts";
import { fetchPageTool } from "./fetch-page.ts";
import { hostPermission, isPrivateAddress } from "./host-allow-list.ts";

describe("fetch_page", () => {
  let server: Server;
  let origin: string;
  let host: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      switch (request.url) {
        case "/article":
          response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          return response.end(
            "<html><head><title>Hello</title></head><body><p>Readable text</p></body></html>",
          );
        case "/plain":
          response.writeHead(200, { "content-type": "text/plain" });
          return response.end("just text");
        case "/hop":
          response.writeHead(302, { location: "/plain" });
          return response.end();
        case "/away":
          response.writeHead(302, { location: "http://example.com/" });
          return response.end();
        case "/image":
          response.writeHead(200, { "content-type": "image/png" });
          return response.end(Buffer.alloc(10));
        case "/huge":
          response.writeHead(200, { "content-type": "text/plain" });
          return response.end("a".repeat(3 * 1024 * 1024));
        case "/hang":
          return; // never answers
        default:
          response.writeHead(404, { "content-type": "text/plain" });
          return response.end("missing");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    host = `127.0.0.1:${port}`;
    origin = `http://${host}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const contextWith = (fetchAllowedHosts: string[], signal = new AbortController().signal): ToolContext => ({
    signal,
    fetchAllowedHosts,
    now: () => new Date(),
  });
  const fetchPage = (url: string, allowed: string[], signal?: AbortSignal) =>
    fetchPageTool.run({ url }, contextWith(allowed, signal));

  it("reads an allowed page as text with its title", async () => {
    expect(await fetchPage(`${origin}/article`, [host])).toBe(
      `Title: Hello\nURL: ${origin}/article\n\nReadable text`,
    );
    expect(await fetchPage(`${origin}/plain`, ["127.0.0.1"])).toBe(`URL: ${origin}/plain\n\njust text`);
  });

  it("follows redirects within the allow-list only", async () => {
    expect(await fetchPage(`${origin}/hop`, [host])).toContain("just text");
    await expect(fetchPage(`${origin}/away`, [host])).rejects.toThrow(
      "The host 'example.com' is not on this agent's allow-list",
    );
  });

  it("refuses hosts off the list, and private addresses unless named exactly", async () => {
    await expect(fetchPage(`${origin}/plain`, [])).rejects.toThrow("is not on this agent's allow-list");
    await expect(fetchPage(`${origin}/plain`, ["127.0.0.1:1"])).rejects.toThrow(
      "not on this agent's allow-list",
    );
    await expect(fetchPage(`${origin}/plain`, ["*"])).rejects.toThrow("is a private address");
    // A name that resolves to a private address is refused when the connection is made.
    await expect(fetchPage(`http://localhost:${new URL(origin).port}/plain`, ["*"])).rejects.toThrow(
      "is a private address",
    );
    await expect(fetchPage("file:///etc/passwd", ["*"])).rejects.toThrow("Only http:// and https://");
    await expect(fetchPage(`http://user:pw@${host}/plain`, [host])).rejects.toThrow("credentials");
    await expect(fetchPage("not a url", ["*"])).rejects.toThrow("is not a URL");
  });

  it("reports errors, non-text pages and cuts long ones", async () => {
    await expect(fetchPage(`${origin}/nothing`, [host])).rejects.toThrow("The server answered HTTP 404");
    await expect(fetchPage(`${origin}/image`, [host])).rejects.toThrow("The page is not text (image/png)");
    const huge = await fetchPage(`${origin}/huge`, [host]);
    expect(huge.length).toBeLessThan(21_000);
    expect(huge).toMatch(/the rest was cut\]$/);
  });

  it("stops with the generation", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(fetchPage(`${origin}/hang`, [host], controller.signal)).rejects.toThrow();
  });
});

describe("host allow-list", () => {
  const url = (text: string) => new URL(text);

  it("matches hosts, ports and wildcards; only exact names may be private", () => {
    expect(hostPermission(["example.com"], url("https://example.com/x"))).toEqual({
      allowed: true,
      named: true,
    });
    expect(hostPermission(["Example.com:443"], url("https://example.com/x"))).toEqual({
      allowed: true,
      named: true,
    });
    expect(hostPermission(["example.com:8080"], url("https://example.com/x")).allowed).toBe(false);
    expect(hostPermission(["*.example.com"], url("http://docs.example.com/"))).toEqual({
      allowed: true,
      named: false,
    });
    expect(hostPermission(["*.example.com"], url("http://example.com.evil.net/")).allowed).toBe(false);
    expect(hostPermission(["*"], url("http://anything.org/"))).toEqual({ allowed: true, named: false });
    expect(hostPermission(["[::1]:8080"], url("http://[::1]:8080/"))).toEqual({ allowed: true, named: true });
    expect(hostPermission([], url("http://anything.org/")).allowed).toBe(false);
  });

  it.each([
    ["127.0.0.1", true],
    ["10.1.2.3", true],
    ["172.20.0.1", true],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["::1", true],
    ["::", true],
    ["fd00::1", true],
    ["fe80::1", true],
    ["::ffff:127.0.0.1", true],
    ["[::1]", true],
    ["93.184.216.34", false],
    ["2606:2800:220:1::", false],
    ["::ffff:93.184.216.34", false],
  ])("%s private: %s", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});
