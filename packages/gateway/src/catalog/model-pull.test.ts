import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { NexusError } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../core/src/testing/test-databases.ts";
import { type ModelFileServer, startModelFileServer } from "../testing/model-file-server.ts";
import { type PullProgress, pullModel } from "./model-pull.ts";

const sharedModel = path.resolve(
  import.meta.dirname,
  "../../../../../shared/models/llama-2-tiny-random.gguf",
);
const catalogPath = "/bartowski/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf";

async function failureOf(pulling: Promise<unknown>): Promise<NexusError> {
  const error = await pulling.then(
    () => {
      throw new Error("the pull succeeded");
    },
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(NexusError);
  return error as NexusError;
}

describe("pullModel", { timeout: 60_000 }, () => {
  const model = fs.readFileSync(sharedModel);
  let host: ModelFileServer;
  let root: string;
  let cleanup: () => void;
  let modelsDir: string;
  let counter = 0;

  beforeAll(async () => {
    ({ dir: root, cleanup } = tempDir());
    host = await startModelFileServer({ "/files/tiny.gguf": model, [catalogPath]: model });
    host.put("/files/page.gguf", Buffer.from("<!doctype html><title>Sign in</title>"), "text/html");
  });
  afterAll(async () => {
    await host?.close();
    cleanup?.();
  });
  const freshDir = () => {
    modelsDir = path.join(root, `models-${++counter}`);
    return modelsDir;
  };

  it("downloads a GGUF by URL with progress, and a second pull finds it already there", async () => {
    const progress: PullProgress[] = [];
    const pulled = await pullModel({
      source: `${host.origin}/files/tiny.gguf`,
      modelsDir: freshDir(),
      onProgress: (update) => progress.push(update),
    });
    expect(pulled).toMatchObject({ modelId: "tiny", alreadyPresent: false, sizeBytes: model.length });
    expect(fs.readFileSync(path.join(modelsDir, "tiny.gguf")).equals(model)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ downloadedBytes: model.length, totalBytes: model.length });
    expect(fs.readdirSync(modelsDir)).toEqual(["tiny.gguf"]);

    const requestsBefore = host.requests.length;
    const again = await pullModel({ source: `${host.origin}/files/tiny.gguf`, modelsDir });
    expect(again).toMatchObject({ modelId: "tiny", alreadyPresent: true });
    // Only the 8-byte check went out.
    expect(host.requests.slice(requestsBefore)).toEqual([
      { method: "GET", path: "/files/tiny.gguf", range: "bytes=0-7" },
    ]);
  });

  it("pulls a catalog model from the Hugging Face endpoint, saved under its catalog name", async () => {
    const pulled = await pullModel({
      source: "qwen2.5-0.5b-instruct",
      modelsDir: freshDir(),
      huggingFaceEndpoint: `${host.origin}/`,
    });
    expect(pulled).toMatchObject({ modelId: "qwen2.5-0.5b-instruct", catalog: { purpose: "chat" } });
    expect(fs.readdirSync(modelsDir)).toEqual(["qwen2.5-0.5b-instruct.gguf"]);
    expect(host.requests.some((request) => request.path === catalogPath)).toBe(true);
  });

  it("fails clearly, writing nothing, on a 404, an unreachable host and a file that is not GGUF", async () => {
    const dir = freshDir();
    const missing = await failureOf(pullModel({ source: `${host.origin}/files/nope.gguf`, modelsDir: dir }));
    expect(missing.type).toBe("not_found");
    expect(missing.message).toBe(`Nothing to download at ${host.origin}/files/nope.gguf (HTTP 404)`);

    const port = await closedPort();
    const offline = await failureOf(pullModel({ source: `http://127.0.0.1:${port}/m.gguf`, modelsDir: dir }));
    expect(offline.type).toBe("service_unavailable");
    expect(offline.message).toMatch(new RegExp(`^Cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));

    const page = await failureOf(pullModel({ source: `${host.origin}/files/page.gguf`, modelsDir: dir }));
    expect(page.type).toBe("unprocessable_entity");
    expect(page.message).toMatch(/is not a GGUF model file \(content-type text\/html, it starts with "<!do"/);

    const hfMissing = await failureOf(
      pullModel({
        source: "hf:nobody/Nothing-GGUF/x.gguf",
        modelsDir: dir,
        huggingFaceEndpoint: host.origin,
      }),
    );
    expect(hfMissing.message).toMatch(/HTTP 404\): check the user, repo and file name/);
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
  });

  it("refuses to overwrite a different file of the same name", async () => {
    const dir = freshDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "tiny.gguf"), "GGUF but another model");
    const conflict = await failureOf(pullModel({ source: `${host.origin}/files/tiny.gguf`, modelsDir: dir }));
    expect(conflict.type).toBe("conflict");
    expect(conflict.message).toMatch(/already exists.*--name <another model id>/);
    const renamed = await pullModel({
      source: `${host.origin}/files/tiny.gguf`,
      modelsDir: dir,
      modelId: "tiny-2",
    });
    expect(renamed.modelId).toBe("tiny-2");
  });

  it("resumes a stopped download, fetching only what is missing", async () => {
    // node-llama-cpp's downloader keeps 5 MiB chunks: a resume test needs a file of several.
    const big = Buffer.concat([model, Buffer.alloc(12 * 1024 * 1024 - model.length, 7)]);
    const slow = await startModelFileServer({ "/slow/big.gguf": big }, { bytesPerSecond: 4_000_000 });
    try {
      const dir = freshDir();
      const source = `${slow.origin}/slow/big.gguf`;
      const controller = new AbortController();
      const stopped = pullModel({
        source,
        modelsDir: dir,
        signal: controller.signal,
        onProgress: ({ downloadedBytes }) => {
          if (downloadedBytes > 9_000_000) controller.abort(new Error("stop"));
        },
      });
      await expect(stopped).rejects.toThrow("stop");
      expect(fs.readdirSync(dir)).toEqual(["big.gguf.ipull"]);

      const requestsBefore = slow.requests.length;
      const resumed = await pullModel({ source, modelsDir: dir });
      expect(resumed).toMatchObject({ modelId: "big", alreadyPresent: false, sizeBytes: big.length });
      expect(fs.readFileSync(path.join(dir, "big.gguf")).equals(big)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(["big.gguf"]);
      const rangeBytes = slow.requests
        .slice(requestsBefore)
        .map((request) => /^bytes=(\d+)-(\d+)$/.exec(request.range ?? ""))
        .filter((match) => match !== null)
        .reduce((sum, match) => sum + Number(match[2]) - Number(match[1]) + 1, 0);
      // At least one finished chunk was not fetched again.
      expect(rangeBytes).toBeLessThan(big.length);
    } finally {
      await slow.close();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
