import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe } from "vitest";
import { testRedisUrl } from "../testing/test-databases.ts";
import { deleteKeys } from "./__fixtures__/redis-keys.ts";
import { createBullmqQueue } from "./bullmq-queue.ts";
import { runQueueContract } from "./queue.contract.ts";

const redisUrl = testRedisUrl;

describe("BullMQ queue on Redis", () => {
  let admin: Redis;
  let prefix = "";

  beforeAll(() => {
    admin = new Redis(redisUrl);
  });

  afterAll(async () => {
    await admin.quit();
  });

  beforeEach(() => {
    prefix = `nexus-test-${randomBytes(6).toString("hex")}`;
  });

  afterEach(async () => {
    await deleteKeys(admin, `${prefix}:*`);
  });

  runQueueContract("BullMQ", {
    create: async () =>
      createBullmqQueue({
        redisUrl,
        prefix,
        lockDurationMs: 2_000,
        stalledIntervalMs: 1_000,
        onError: () => {},
      }),
  });
});
