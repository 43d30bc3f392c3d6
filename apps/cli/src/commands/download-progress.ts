import { formatBytes, type PullProgress } from "@nexus/gateway";

const barWidth = 28;
const redrawIntervalMs = 100;

/** `[#########-----------]  42%  167.1/398.0 MB  12.4 MB/s  ETA 19s` */
export function formatProgressLine(progress: PullProgress): string {
  const { downloadedBytes, totalBytes, bytesPerSecond } = progress;
  const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);
  const speed = `${formatBytes(Math.round(bytesPerSecond))}/s`;
  if (totalBytes <= 0) return `${megabytes(downloadedBytes)} MB  ${speed}`;
  const fraction = Math.min(1, downloadedBytes / totalBytes);
  const filled = Math.round(fraction * barWidth);
  const secondsLeft =
    bytesPerSecond > 0 ? Math.ceil((totalBytes - downloadedBytes) / bytesPerSecond) : undefined;
  return [
    `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]`,
    `${Math.floor(fraction * 100)}%`.padStart(4),
    `${megabytes(downloadedBytes)}/${megabytes(totalBytes)} MB`,
    speed,
    ...(secondsLeft !== undefined && fraction < 1 ? [`ETA ${formatDuration(secondsLeft)}`] : []),
  ].join("  ");
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * Draws download progress on a stream: one line redrawn in place on a terminal; on a pipe or a
 * file (CI logs), a line per 10% so the log stays short.
 */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr) {
  const interactive = stream.isTTY === true;
  let lastDrawn = 0;
  let lastDecile = -1;
  let last: PullProgress | undefined;
  let drewInPlace = false;

  const draw = (progress: PullProgress) => {
    if (interactive) {
      stream.write(`\r${formatProgressLine(progress)}\u001b[K`);
      drewInPlace = true;
      return;
    }
    stream.write(`${formatProgressLine(progress)}\n`);
  };

  return {
    update(progress: PullProgress): void {
      last = progress;
      if (interactive) {
        const now = performance.now();
        if (now - lastDrawn < redrawIntervalMs) return;
        lastDrawn = now;
        draw(progress);
        return;
      }
      const decile =
        progress.totalBytes > 0 ? Math.floor((progress.downloadedBytes / progress.totalBytes) * 10) : 0;
      if (decile <= lastDecile) return;
      lastDecile = decile;
      draw(progress);
    },
    /** Draws 100% if the last update to it was skipped, and ends the line. */
    finish(): void {
      const complete = last !== undefined && last.totalBytes > 0 && last.downloadedBytes >= last.totalBytes;
      if (last && complete && (interactive || lastDecile < 10)) draw(last);
      if (drewInPlace) stream.write("\n");
    },
  };
}
