import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LabelledCounter, LabelledHistogram, registered } from "./labelled-series.ts";

const buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

describe("labelled series", () => {
  it("export exactly the text prom-client's own counter and histogram export", async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const help = 'Seconds, "quoted" \\ and all';
    const labelNames = ["alias", "deployment"];
    const histogram = new Histogram({ name: "t_seconds", help, labelNames, buckets, registers: [theirs] });
    const counter = new Counter({
      name: "t_total",
      help,
      labelNames: [...labelNames, "status"],
      registers: [theirs],
    });
    const ourHistogram = registered(ours, new LabelledHistogram("t_seconds", help, labelNames, buckets));
    const ourCounter = registered(ours, new LabelledCounter("t_total", help, [...labelNames, "status"]));
    const observations = [
      ['odd "alias" \\ with\nnewline', 0.01],
      ["chat", 0.3],
      ["chat", 500],
      ["embed", 0.0001],
      ["chat", 1],
      ["chat", 120],
    ] as const;
    for (const [alias, seconds] of observations) {
      const labels = { alias, deployment: "vllm/qwen" };
      histogram.observe(labels, seconds);
      ourHistogram.seriesFor(`${alias}\u0000vllm/qwen`, labels).observe(seconds);
      counter.inc({ ...labels, status: "200" }, 3);
      ourCounter.inc({ ...labels, status: "200" }, 3);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("reuse what is registered under their name and zero in place on reset", async () => {
    const registry = new Registry();
    const first = registered(registry, new LabelledCounter("r_total", "r", ["a"]));
    const series = first.seriesFor("x\u0000", { a: "x" });
    series.value += 2;
    expect(registered(registry, new LabelledCounter("r_total", "r", ["a"]))).toBe(first);
    registry.resetMetrics();
    series.value += 1;
    expect(await registry.metrics()).toContain('r_total{a="x"} 1');
  });
});
