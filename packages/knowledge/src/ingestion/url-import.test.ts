import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchForImport, isPrivateAddress } from "./url-import.ts";

describe("URL import", () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((request, response) => {
      if (request.url === "/moved") {
        response.writeHead(302, { location: "/guide" });
        return response.end();
      }
      if (request.url === "/to-metadata") {
        response.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" });
        return response.end();
      }
      if (request.url === "/big") {
        response.writeHead(200, { "content-type": "text/plain" });
        return response.end(Buffer.alloc(5000, 97));
      }
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end("<html><title>Guide</title><body><p>Guide text</p></body></html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  it("refuses private addresses unless the host is named in the allow-list", async () => {
    await expect(fetchForImport(`${base}/guide`)).rejects.toThrow(/private address/);
    await expect(fetchForImport("http://localhost:1/guide")).rejects.toThrow(/private address/);
    const page = await fetchForImport(`${base}/guide`, { allowedPrivateHosts: ["127.0.0.1"] });
    expect(page.mimeType).toBe("text/html");
    expect(page.name).toBe("guide.html");
    expect(page.data.toString()).toContain("Guide text");
  });

  it("follows redirects and checks each hop; caps the size; http(s) only", async () => {
    const moved = await fetchForImport(`${base}/moved`, { allowedPrivateHosts: ["127.0.0.1"] });
    expect(moved.url).toBe(`${base}/guide`);
    await expect(
      fetchForImport(`${base}/to-metadata`, { allowedPrivateHosts: ["127.0.0.1"] }),
    ).rejects.toThrow(/169\.254\.169\.254 is a private address/);
    await expect(
      fetchForImport(`${base}/big`, { allowedPrivateHosts: ["127.0.0.1"], maxBytes: 1000 }),
    ).rejects.toThrow(/larger than/);
    await expect(fetchForImport("ftp://example.com/x")).rejects.toThrow(/only http and https/);
    await expect(fetchForImport("not a url")).rejects.toThrow(/not a URL/);
  });

  it("knows private ranges", () => {
    for (const address of [
      "127.0.0.1",
      "10.1.2.3",
      "192.168.0.1",
      "169.254.169.254",
      "::1",
      "fd00::1",
      "::ffff:127.0.0.1",
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    expect(isPrivateAddress("93.184.216.34")).toBe(false);
  });
});
