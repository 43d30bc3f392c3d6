import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import { type FinishedRun, insertFinishedRuns } from "../store/run-repository.ts";

/** Most runs one statement carries (SQLite allows 32,766 bound values; a run with 3 nodes binds ~90). */
const maxBatch = 100;

/**
 * Writes runs that finished before their first write, together: those finishing in the same
 * turn of the event loop share one transaction of two statements. Under load that is most of
 * the cost of a short run saved; alone, a run waits one `setImmediate` more.
 */
export class FinishedRunWriter {
  private pending: Array<{ finished: FinishedRun; done: () => void; failed: (error: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<Database>) {}

  write(finished: FinishedRun): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.pending.push({ finished, done, failed });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, maxBatch);
      try {
        await insertFinishedRuns(
          this.db,
          batch.map((item) => item.finished),
        );
        for (const item of batch) item.done();
      } catch {
        // One bad row must not lose the others: write them one by one and fail only the bad ones.
        for (const item of batch) {
          await insertFinishedRuns(this.db, [item.finished]).then(item.done, item.failed);
        }
      }
    }
  }
}
