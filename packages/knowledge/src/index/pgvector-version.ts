/** 0.8 brought iterative index scans: a filtered HNSW search keeps scanning until it has k rows. */
export const minimumPgvector = "0.8.0";

/** Whether a pgvector version (e.g. `0.8.7`) is at least `minimum`. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (text: string) => text.split(".").map((part) => Number.parseInt(part, 10) || 0);
  const [have, want] = [parts(version), parts(minimum)];
  for (let index = 0; index < Math.max(have.length, want.length); index++) {
    const difference = (have[index] ?? 0) - (want[index] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}
