import type { Metrics } from "@nexus/core";
import { Counter, Histogram, type Registry } from "prom-client";

/** The gateway's Prometheus series. Labels are configured names only, and bounded (see BoundedLabel). */
export interface GatewayMetrics {
  requests: Counter<"alias" | "deployment" | "status" | "cache">;
  ttft: Histogram<"alias" | "deployment">;
  duration: Histogram<"alias" | "deployment">;
  tokens: Counter<"alias" | "deployment" | "direction">;
  upstreamErrors: Counter<"deployment" | "type">;
}

const latencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Registers the series in the server's registry, or reuses them when another recorder already did. */
export function gatewayMetrics(metrics: Pick<Metrics, "registry">): GatewayMetrics {
  const registry = metrics.registry;
  return {
    requests: counter(registry, "nexus_gateway_requests_total", "Gateway requests answered", [
      "alias",
      "deployment",
      "status",
      "cache",
    ]),
    ttft: histogram(registry, "nexus_gateway_ttft_seconds", "Time to the first streamed token", [
      "alias",
      "deployment",
    ]),
    duration: histogram(
      registry,
      "nexus_gateway_request_duration_seconds",
      "Time to answer gateway requests",
      ["alias", "deployment"],
    ),
    tokens: counter(registry, "nexus_gateway_tokens_total", "Tokens through the gateway", [
      "alias",
      "deployment",
      "direction",
    ]),
    upstreamErrors: counter(
      registry,
      "nexus_gateway_upstream_errors_total",
      "Failed calls to upstream deployments, by error type",
      ["deployment", "type"],
    ),
  };
}

function counter<Label extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: Label[],
): Counter<Label> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<Label>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram<Label extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: Label[],
): Histogram<Label> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<Label>;
  return new Histogram({ name, help, labelNames, buckets: latencyBuckets, registers: [registry] });
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
