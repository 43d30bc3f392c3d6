import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { LimitCounters } from "./limit-counters.ts";

/**
 * Both scripts take, per charge, one key and a fixed group of arguments after ARGV[1] (now).
 * The refill arithmetic is the same as `refilled()` in limit-counters.ts. Replicas pass their own
 * clock; a bucket never moves its time backwards, so a slightly slow replica only refills less.
 */
const reserveScript = `
local now = tonumber(ARGV[1])
local values = {}
local amounts = {}
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 6
  local kind = ARGV[base + 1]
  local limit = tonumber(ARGV[base + 2])
  local amount = tonumber(ARGV[base + 3])
  if kind == "rate" then
    local state = redis.call("HMGET", KEYS[i], "level", "at")
    local level = tonumber(state[1])
    if level == nil then
      level = limit
    else
      local elapsed = now - tonumber(state[2])
      if elapsed > 0 then level = math.min(limit, level + elapsed * limit / 60000) end
    end
    if level < amount then return {i, tostring(level)} end
    values[i] = level
    amounts[i] = amount
  else
    local used = tonumber(redis.call("GET", KEYS[i]) or ARGV[base + 4])
    local left = limit - used
    if left < tonumber(ARGV[base + 6]) then return {i, tostring(left)} end
    values[i] = used
    amounts[i] = math.min(amount, left)
  end
end
local reserved = {}
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 6
  if ARGV[base + 1] == "rate" then
    local at = tonumber(redis.call("HGET", KEYS[i], "at") or now)
    redis.call("HSET", KEYS[i], "level", tostring(values[i] - amounts[i]), "at", tostring(math.max(at, now)))
    redis.call("PEXPIRE", KEYS[i], ARGV[base + 5])
  else
    redis.call("SET", KEYS[i], tostring(values[i] + amounts[i]), "PX", ARGV[base + 5])
  end
  reserved[i] = tostring(amounts[i])
end
return {0, reserved}
`;

const adjustScript = `
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 4
  local limit = tonumber(ARGV[base + 2])
  local delta = tonumber(ARGV[base + 3])
  if ARGV[base + 1] == "rate" then
    local state = redis.call("HMGET", KEYS[i], "level", "at")
    local level = tonumber(state[1])
    local at = tonumber(state[2] or now)
    if level == nil then
      level = limit
    elseif now > at then
      level = math.min(limit, level + (now - at) * limit / 60000)
    end
    redis.call("HSET", KEYS[i], "level", tostring(math.min(limit, level - delta)), "at", tostring(math.max(at, now)))
    redis.call("PEXPIRE", KEYS[i], ARGV[base + 4])
  elseif redis.call("EXISTS", KEYS[i]) == 1 then
    redis.call("INCRBY", KEYS[i], delta)
  end
end
return 0
`;

interface Script {
  lua: string;
  sha: string;
}

const script = (lua: string): Script => ({ lua, sha: createHash("sha1").update(lua).digest("hex") });
const reserve = script(reserveScript);
const adjust = script(adjustScript);

export interface RedisLimitCountersOptions {
  redisUrl: string;
  /** Put before every key; default `nexus`. Tests use a random one. */
  prefix?: string;
  /** A command that takes longer fails (the limiter then decides); default 1 000 ms. */
  commandTimeoutMs?: number;
}

/**
 * Counters in Redis, shared by every replica: each reservation and adjustment is one Lua script,
 * so checks and takes across the key's and the workspace's counters are atomic. Keys carry the
 * workspace in a hash tag (`{…}`), so one request's keys sit in one Redis Cluster slot.
 */
export function createRedisLimitCounters(options: RedisLimitCountersOptions): LimitCounters {
  const prefix = `${options.prefix ?? "nexus"}:limits:`;
  const redis = new Redis(options.redisUrl, {
    maxRetriesPerRequest: 1,
    // Also bounds commands queued while (re)connecting, so Redis being away never hangs a request.
    commandTimeout: options.commandTimeoutMs ?? 1_000,
  });
  // Failures surface on the commands that hit them.
  redis.on("error", () => {});

  async function run(which: Script, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(which.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String(error).includes("NOSCRIPT")) throw error;
      return redis.eval(which.lua, keys.length, ...keys, ...args);
    }
  }

  return {
    async reserve(charges, now) {
      if (charges.length === 0) return { admitted: true, amounts: [] };
      const args: Array<string | number> = [now];
      for (const charge of charges) {
        // Relative, from the same clock as the period, so Redis's own clock never cuts a budget short.
        const expiry = charge.kind === "rate" ? rateExpiryMs : Math.max(1_000, charge.expiresAt - now);
        args.push(charge.kind, charge.limit, charge.amount, charge.seed, expiry, charge.minimum);
      }
      const [index, detail] = (await run(
        reserve,
        charges.map((charge) => prefix + charge.key),
        args,
      )) as [number, string | string[]];
      if (index === 0) return { admitted: true, amounts: (detail as string[]).map(Number) };
      return { admitted: false, index: index - 1, available: Number(detail) };
    },

    async adjust(adjustments, now) {
      if (adjustments.length === 0) return;
      const args: Array<string | number> = [now];
      for (const { charge, delta } of adjustments) {
        args.push(charge.kind, charge.limit, Math.round(delta), rateExpiryMs);
      }
      await run(
        adjust,
        adjustments.map(({ charge }) => prefix + charge.key),
        args,
      );
    },

    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** A bucket left alone this long is full again; generous, since an overdrawn bucket takes longer. */
const rateExpiryMs = 10 * 60_000;
