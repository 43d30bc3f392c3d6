import http from "node:http";

const maxBodyBytes = 4 * 1024 * 1024;

/**
 * GET a JSON body over plain HTTP without connection reuse: a probe must leave no socket open
 * (a one-off command would otherwise wait for it) and must not trust what answers to send a
 * sane body. Rejects on a non-2xx status, a body that is not JSON or over 4 MiB, and on abort.
 */
export function getJson(url: string, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, signal, headers: { accept: "application/json" } });
    request.once("error", reject);
    request.once("response", (response) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        response.resume();
        reject(new Error(`HTTP ${status}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) {
          request.destroy(new Error("body too large"));
          return;
        }
        chunks.push(chunk);
      });
      response.once("error", reject);
      // Settles a body cut short by abort or a reset, which may end in neither "end" nor "error".
      response.once("close", () => reject(new Error("connection closed before the body ended")));
      response.once("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (error) {
          reject(error);
        }
      });
    });
  });
}
