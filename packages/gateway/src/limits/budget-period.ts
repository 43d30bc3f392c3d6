/** A token budget's calendar period in UTC: its key in the store and when it ends. */
export interface BudgetPeriod {
  /** `YYYY-MM-DD` for a day, `YYYY-MM` for a month. */
  key: string;
  /** Epoch milliseconds at which the next period starts. */
  endsAt: number;
}

/** The UTC day or month that `at` (epoch milliseconds) falls in. */
export function budgetPeriod(kind: "day" | "month", at: number): BudgetPeriod {
  const date = new Date(at);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (kind === "month") {
    return { key: date.toISOString().slice(0, 7), endsAt: Date.UTC(year, month + 1, 1) };
  }
  return { key: date.toISOString().slice(0, 10), endsAt: Date.UTC(year, month, date.getUTCDate() + 1) };
}
