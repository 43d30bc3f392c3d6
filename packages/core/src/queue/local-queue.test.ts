import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../store/database.ts";
import { freshStoreOptions } from "../testing/test-databases.ts";
import { createLocalQueue, type LocalQueueOptions } from "./local-queue.ts";
import { runQueueContract } from "./queue.contract.ts";
import type { Queue } from "./queue.ts";

// Short intervals keep the suite fast; the lease still outlasts a busy two-core machine's hiccups.
const fastTimings = { pollIntervalMs: 20, leaseMs: 2_000, onError: () => {} };

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`local queue on ${kind}`, () => {
    let database: ReturnType<typeof freshStoreOptions>;
    const stores: Store[] = [];

    beforeEach(() => {
      database = freshStoreOptions(kind);
    });

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await database.drop();
    });

    runQueueContract(`local on ${kind}`, {
      create: async () => {
        const store = await openStore(database.options);
        stores.push(store);
        return createLocalQueue({ store, ...fastTimings });
      },
    });
  });
}

describe("local queue leases", () => {
  let database: ReturnType<typeof freshStoreOptions>;
  const queues: Queue[] = [];
  const stores: Store[] = [];

  async function open(options: Omit<LocalQueueOptions, "store">): Promise<{ queue: Queue; store: Store }> {
    const store = await openStore(database.options);
    stores.push(store);
    const queue = createLocalQueue({ store, onError: () => {}, ...options });
    queues.push(queue);
    return { queue, store };
  }

  beforeEach(() => {
    database = freshStoreOptions("sqlite");
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close(1_000)));
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await database.drop();
  });

  it("renews the lease of a job that outlives it, so no other worker takes the job", async () => {
    const timings = { leaseMs: 300, pollIntervalMs: 20 };
    const first = await open(timings);
    const second = await open(timings);
    const attempts: number[] = [];
    for (const { queue } of [first, second]) {
      queue.process("long", async (job) => {
        attempts.push(job.attempt);
        await sleep(1_200);
        return "done";
      });
    }
    const { id } = await first.queue.enqueue("long", "work", {});

    await waitUntil(async () => (await second.queue.getJob("long", id))?.status === "completed");
    expect(attempts).toEqual([1]);
  });

  it("fails a job whose worker died more often than maxStalls allows", async () => {
    const { queue, store } = await open({ leaseMs: 500, pollIntervalMs: 20, maxStalls: 1 });
    const { id } = await queue.enqueue("fragile", "crash", {});
    // Pose as a worker that died holding the job after it had been recovered once already.
    await store.db
      .updateTable("jobs")
      .set({
        status: "active",
        attempts_made: 2,
        stalls: 1,
        locked_by: "lease_dead",
        locked_until: Date.now() - 1,
      })
      .where("id", "=", id)
      .execute();
    let ran = false;
    queue.process("fragile", async () => {
      ran = true;
    });

    await waitUntil(async () => (await queue.getJob("fragile", id))?.status === "failed");
    expect((await queue.getJob("fragile", id))?.error).toMatch(/stalled more than 1 time/);
    expect(ran).toBe(false);
  });
});

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}
