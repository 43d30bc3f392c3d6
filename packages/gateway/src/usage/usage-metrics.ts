import type { Metrics } from "@nexus/core";
import {
  type CounterSeries,
  type HistogramSeries,
  LabelledCounter,
  LabelledHistogram,
  registered,
} from "./labelled-series.ts";

/** The gateway's Prometheus series. Labels are configured names only, and bounded (see BoundedLabel). */
export interface GatewayMetrics {
  /** Labels alias, deployment, status, cache. */
  requests: LabelledCounter;
  /** Labels alias, deployment. */
  ttft: LabelledHistogram;
  /** Labels alias, deployment. */
  duration: LabelledHistogram;
  /** Labels alias, deployment, direction. */
  tokens: LabelledCounter;
  /** Labels deployment, type. */
  upstreamErrors: LabelledCounter;
}

const latencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Registers the series in the server's registry, or reuses them when another recorder already did. */
export function gatewayMetrics(metrics: Pick<Metrics, "registry">): GatewayMetrics {
  const { registry } = metrics;
  const histogram = (name: string, help: string) =>
    registered(registry, new LabelledHistogram(name, help, ["alias", "deployment"], latencyBuckets));
  return {
    requests: registered(
      registry,
      new LabelledCounter("nexus_gateway_requests_total", "Gateway requests answered", [
        "alias",
        "deployment",
        "status",
        "cache",
      ]),
    ),
    ttft: histogram("nexus_gateway_ttft_seconds", "Time to the first streamed token"),
    duration: histogram("nexus_gateway_request_duration_seconds", "Time to answer gateway requests"),
    tokens: registered(
      registry,
      new LabelledCounter("nexus_gateway_tokens_total", "Tokens through the gateway", [
        "alias",
        "deployment",
        "direction",
      ]),
    ),
    upstreamErrors: registered(
      registry,
      new LabelledCounter(
        "nexus_gateway_upstream_errors_total",
        "Failed calls to upstream deployments, by error type",
        ["deployment", "type"],
      ),
    ),
  };
}

/** The series one alias and deployment pair updates on every request, looked up once. */
export class DeploymentSeries {
  readonly duration: HistogramSeries;
  readonly ttft: HistogramSeries;
  readonly promptTokens: CounterSeries;
  readonly completionTokens: CounterSeries;
  /** By status and cache outcome. */
  private readonly requests = new Map<string, CounterSeries>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly alias: string,
    private readonly deployment: string,
  ) {
    const key = `${alias}\u0000${deployment}\u0000`;
    const labels = { alias, deployment };
    this.duration = metrics.duration.seriesFor(key, labels);
    this.ttft = metrics.ttft.seriesFor(key, labels);
    this.promptTokens = metrics.tokens.seriesFor(`${key}prompt\u0000`, { ...labels, direction: "prompt" });
    this.completionTokens = metrics.tokens.seriesFor(`${key}completion\u0000`, {
      ...labels,
      direction: "completion",
    });
  }

  requestsFor(status: number, cache: string): CounterSeries {
    const key = `${status}\u0000${cache}`;
    let series = this.requests.get(key);
    if (!series) {
      const { alias, deployment } = this;
      series = this.metrics.requests.seriesFor(`${alias}\u0000${deployment}\u0000${key}\u0000`, {
        alias,
        deployment,
        status: String(status),
        cache,
      });
      this.requests.set(key, series);
    }
    return series;
  }
}

/**
 * Caps how many distinct values a label takes: each series costs Prometheus memory forever, so
 * past `maxValues` new values are reported as `other`. Values are cut to 100 characters.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly maxValues = 500) {}

  value(raw: string | null | undefined): string {
    if (raw === null || raw === undefined || raw === "") return "none";
    const value = raw.length > 100 ? raw.slice(0, 100) : raw;
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.maxValues) return "other";
    this.seen.add(value);
    return value;
  }
}
