import { describe, expect, it } from "vitest";
import { ConcurrencyGate } from "./concurrency-gate.ts";

const live = () => new AbortController().signal;

describe("concurrency gate", () => {
  it("admits up to the limit and queues the rest first come, first served", async () => {
    const gate = new ConcurrencyGate();
    const order: number[] = [];
    const first = await gate.acquire("k", 2, live());
    const second = await gate.acquire("k", 2, live());
    expect(gate.isFull("k", 2)).toBe(true);
    const waiting = [3, 4, 5].map((label) =>
      gate.acquire("k", 2, live()).then((release) => {
        order.push(label);
        return release;
      }),
    );
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(gate.waiting("k")).toBe(3);
    first();
    const third = await waiting[0];
    expect(order).toEqual([3]);
    second();
    third?.();
    await Promise.all(waiting).then((releases) => {
      for (const release of releases) release();
    });
    expect(order).toEqual([3, 4, 5]);
    expect(gate.isFull("k", 2)).toBe(false);
  });

  it("never lets a newcomer overtake a waiter", async () => {
    const gate = new ConcurrencyGate();
    const holder = await gate.acquire("k", 1, live());
    const order: string[] = [];
    const waiter = gate.acquire("k", 1, live()).then((release) => {
      order.push("waiter");
      release();
    });
    holder();
    // Arrives after the release but before the waiter has run: it must queue behind.
    const newcomer = gate.acquire("k", 1, live()).then((release) => {
      order.push("newcomer");
      release();
    });
    await Promise.all([waiter, newcomer]);
    expect(order).toEqual(["waiter", "newcomer"]);
  });

  it("drops a waiter whose signal aborts, rejecting with the reason, and serves the next", async () => {
    const gate = new ConcurrencyGate();
    const holder = await gate.acquire("k", 1, live());
    const leaving = new AbortController();
    const gone = gate.acquire("k", 1, leaving.signal);
    const next = gate.acquire("k", 1, live());
    leaving.abort(new Error("client left"));
    await expect(gone).rejects.toThrow("client left");
    expect(gate.waiting("k")).toBe(1);
    holder();
    const release = await next;
    release();
    release();
    expect(gate.isFull("k", 1)).toBe(false);
    await expect(gate.acquire("k", 1, AbortSignal.abort(new Error("already gone")))).rejects.toThrow(
      "already gone",
    );
  });

  it("has no limit without maxConcurrency, and keeps keys apart", async () => {
    const gate = new ConcurrencyGate();
    const releases = await Promise.all(
      Array.from({ length: 50 }, () => gate.acquire("free", undefined, live())),
    );
    expect(gate.isFull("free", undefined)).toBe(false);
    const other = await gate.acquire("capped", 1, live());
    expect(gate.isFull("capped", 1)).toBe(true);
    for (const release of [...releases, other]) release();
  });

  it("serves waiters at once when the limit is raised", async () => {
    const gate = new ConcurrencyGate();
    const holder = await gate.acquire("k", 1, live());
    const waiter = gate.acquire("k", 1, live());
    const raised = await gate.acquire("k", 3, live());
    const release = await waiter;
    expect(gate.waiting("k")).toBe(0);
    for (const each of [holder, raised, release]) each();
  });
});
