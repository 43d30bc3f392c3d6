/** One sample of a Prometheus metric: its labels and value. */
export interface PrometheusSample {
  labels: Record<string, string>;
  value: number;
}

const namePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/**
 * Reads Prometheus's text exposition format (what `/metrics` endpoints serve) into samples by
 * metric name. Comments (`# HELP`, `# TYPE`) are skipped, label values unescaped, `+Inf`/`NaN`
 * understood, timestamps ignored; a line it cannot read is skipped rather than failing the rest.
 *
 * @example
 * parsePrometheusText('vllm:num_requests_running{engine="0"} 3.0').get("vllm:num_requests_running");
 * // [{ labels: { engine: "0" }, value: 3 }]
 */
export function parsePrometheusText(text: string): Map<string, PrometheusSample[]> {
  const metrics = new Map<string, PrometheusSample[]>();
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const sample = parseSampleLine(line);
    if (!sample) continue;
    const samples = metrics.get(sample.name);
    if (samples) samples.push(sample.sample);
    else metrics.set(sample.name, [sample.sample]);
  }
  return metrics;
}

function parseSampleLine(line: string): { name: string; sample: PrometheusSample } | undefined {
  const name = namePattern.exec(line)?.[0];
  if (!name) return undefined;
  let position = name.length;
  const labels: Record<string, string> = {};
  if (line[position] === "{") {
    position++;
    while (position < line.length && line[position] !== "}") {
      const equals = line.indexOf("=", position);
      if (equals === -1 || line[equals + 1] !== '"') return undefined;
      const label = line.slice(position, equals).trim();
      let value = "";
      let index = equals + 2;
      for (; index < line.length && line[index] !== '"'; index++) {
        if (line[index] === "\\" && index + 1 < line.length) {
          index++;
          value += line[index] === "n" ? "\n" : line[index];
        } else {
          value += line[index];
        }
      }
      if (index >= line.length) return undefined;
      labels[label] = value;
      position = index + 1;
      if (line[position] === ",") position++;
    }
    if (line[position] !== "}") return undefined;
    position++;
  }
  const [valueText] = line.slice(position).trim().split(/\s+/);
  const value = parseValue(valueText ?? "");
  return value === undefined ? undefined : { name, sample: { labels, value } };
}

function parseValue(text: string): number | undefined {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  if (text === "") return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}
