import type { Registry } from "prom-client";

type Labels = Record<string, string>;

/** One labelled counter series: add to `value`. */
export interface CounterSeries {
  readonly labels: Labels;
  value: number;
}

/** One labelled histogram series. */
export class HistogramSeries {
  sum = 0;
  count = 0;
  /** Observations per bucket (not cumulative); the last one is `+Inf`. */
  readonly counts: Float64Array;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++;
    (this.counts as Float64Array)[bucket] = (this.counts[bucket] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

interface ExportedValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/**
 * Prometheus counters and histograms kept as plain numbers on series objects that the caller
 * holds on to, exported through prom-client's registry like its own metrics (the registry asks
 * each metric for `get()` and formats the text). prom-client's `inc`/`observe` validate and hash
 * the labels object on every call; the gateway updates five series per request, so it looks each
 * series up once (by a key of its own making) and then only adds numbers.
 */
abstract class LabelledMetric<Series> {
  readonly aggregator = "sum";
  protected readonly series = new Map<string, Series>();

  constructor(
    public name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series for these labels (their values in `labelNames` order, joined, as `key`). */
  seriesFor(key: string, labels: Labels): Series {
    let series = this.series.get(key);
    if (!series) {
      series = this.create(labels);
      this.series.set(key, series);
    }
    return series;
  }

  /** Zeroes every series in place: series objects callers hold stay the ones exported. */
  reset(): void {
    for (const series of this.series.values()) this.zero(series);
  }

  protected abstract create(labels: Labels): Series;
  protected abstract zero(series: Series): void;
}

export class LabelledCounter extends LabelledMetric<CounterSeries> {
  readonly type = "counter";

  /** Adds to the series of `labels` (every label name given). */
  inc(labels: Labels, value = 1): void {
    this.seriesFor(keyOf(this.labelNames, labels), labels).value += value;
  }

  get() {
    const values: ExportedValue[] = [];
    for (const series of this.series.values()) values.push({ value: series.value, labels: series.labels });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  protected create(labels: Labels): CounterSeries {
    return { labels, value: 0 };
  }

  protected zero(series: CounterSeries): void {
    series.value = 0;
  }
}

export class LabelledHistogram extends LabelledMetric<HistogramSeries> {
  readonly type = "histogram";

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  /** What prom-client exports for a histogram: cumulative buckets with `le`, then `_sum` and `_count`. */
  get() {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (let index = 0; index <= this.bounds.length; index++) {
        cumulative += series.counts[index] as number;
        const le = index < this.bounds.length ? (this.bounds[index] as number) : "+Inf";
        values.push({
          value: cumulative,
          labels: { le: String(le), ...series.labels },
          metricName: bucketName,
        });
      }
      values.push({ value: series.sum, labels: series.labels, metricName: `${this.name}_sum` });
      values.push({ value: series.count, labels: series.labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  protected create(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.bounds);
  }

  protected zero(series: HistogramSeries): void {
    series.counts.fill(0);
    series.sum = 0;
    series.count = 0;
  }
}

function keyOf(labelNames: readonly string[], labels: Labels): string {
  let key = "";
  for (const name of labelNames) key += `${labels[name] ?? ""}\u0000`;
  return key;
}

/** The metric registered under its name in the registry, or this one, registered now. */
export function registered<Metric extends LabelledMetric<unknown>>(
  registry: Registry,
  metric: Metric,
): Metric {
  const existing = registry.getSingleMetric(metric.name) as unknown;
  if (existing instanceof (metric.constructor as new (...args: never[]) => Metric)) return existing as Metric;
  registry.registerMetric(metric as never);
  return metric;
}
