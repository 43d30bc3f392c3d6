import type { Redis } from "ioredis";

/** Whether `promise` settled within `milliseconds`, either way; catch what matters beforehand. */
export async function settlesWithin(promise: Promise<unknown>, milliseconds: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), milliseconds);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}

/** QUIT, or drop the socket when Redis does not answer soon: shutdown must not hang on it. */
export async function quitConnection(connection: Redis): Promise<void> {
  const quit = connection.quit().catch(() => "failed");
  if (!(await settlesWithin(quit, 1_000)) || (await quit) === "failed") connection.disconnect();
}
