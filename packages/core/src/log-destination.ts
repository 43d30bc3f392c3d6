import pino from "pino";

/** A pino destination that buffers lines; `flushSync` writes everything out before it returns. */
export interface BatchedDestination extends pino.DestinationStream {
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
}

export interface BatchedDestinationOptions {
  /** File descriptor to write to (default stdout). */
  fd?: number;
  /** Lines are written once this many characters are buffered. */
  chunkLength?: number;
  /** Buffered lines are written at least this often. */
  flushMs?: number;
}

/** Live destinations, written out when the process exits. */
const liveDestinations = new Set<() => void>();
let exitHookInstalled = false;

/**
 * Log lines to a file descriptor in chunks of about `chunkLength` characters, at least every
 * `flushMs`, and on exit: one write per chunk instead of one per line.
 *
 * Lines are collected in an array and joined once per chunk. Sonic-boom's own `minLength`
 * buffering appends each line to one growing string and takes that string's UTF-8 length on every
 * write, a flatten and scan of up to 16 KiB per line that cost more than formatting the line.
 *
 * Chunks are written synchronously, as Node itself writes stdout to files and pipes on Linux: an
 * asynchronous write still in flight at exit lands after the final synchronous flush, so the last
 * lines came out of order (or not at all), and it cost more CPU than the blocking write it avoids.
 */
export function batchedDestination(options: BatchedDestinationOptions = {}): BatchedDestination {
  const { fd = 1, chunkLength = 4096, flushMs = 200 } = options;
  installExitHook();
  const writer = pino.destination({ dest: fd, sync: true });
  let lines: string[] = [];
  let buffered = 0;

  const writeBuffered = () => {
    if (lines.length === 0) return;
    const chunk = lines.length === 1 ? (lines[0] as string) : lines.join("");
    lines = [];
    buffered = 0;
    writer.write(chunk);
  };
  setInterval(writeBuffered, flushMs).unref();
  liveDestinations.add(writeBuffered);

  return {
    write(line: string) {
      lines.push(line);
      buffered += line.length;
      if (buffered >= chunkLength) writeBuffered();
      return true;
    },
    flush(callback) {
      writeBuffered();
      callback?.();
    },
    flushSync: writeBuffered,
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const writeBuffered of liveDestinations) {
      try {
        writeBuffered();
      } catch {
        // Exiting; nowhere left to report a failed log write.
      }
    }
  });
}
