import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressReporter, formatProgressLine } from "./download-progress.ts";

describe("download progress", () => {
  it("shows percent, megabytes, speed and time left", () => {
    expect(
      formatProgressLine({
        downloadedBytes: 167_100_000,
        totalBytes: 398_000_000,
        bytesPerSecond: 12_400_000,
      }),
    ).toBe("[############----------------]   41%  167.1/398.0 MB  12.4 MB/s  ETA 19s");
    expect(formatProgressLine({ downloadedBytes: 10, totalBytes: 10, bytesPerSecond: 5 })).toMatch(
      /100%.*5 B\/s$/,
    );
    expect(formatProgressLine({ downloadedBytes: 2_000_000, totalBytes: 0, bytesPerSecond: 0 })).toBe(
      "2.0 MB  0 B/s",
    );
    expect(formatProgressLine({ downloadedBytes: 0, totalBytes: 4e9, bytesPerSecond: 1e6 })).toMatch(
      /ETA 1h06m$/,
    );
  });

  it("writes a line per 10% when the output is not a terminal", () => {
    let written = "";
    const sink = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          written += chunk;
          done();
        },
      }),
      { isTTY: false },
    ) as unknown as NodeJS.WriteStream;
    const reporter = createProgressReporter(sink);
    for (let bytes = 0; bytes <= 1000; bytes += 10) {
      reporter.update({ downloadedBytes: bytes, totalBytes: 1000, bytesPerSecond: 100 });
    }
    reporter.finish();
    const lines = written.trim().split("\n");
    expect(lines).toHaveLength(11);
    expect(lines.at(-1)).toMatch(/100%/);
  });
});
