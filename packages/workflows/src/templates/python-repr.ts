/**
 * How Python prints a JSON-like value, so `{{ value }}` renders what Dify's Jinja2 renders:
 * `True`, `None`, `['a', 1]`, `{'k': 'v'}`.
 */
export function pythonStr(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return pythonRepr(value);
}

export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return numberRepr(value);
  if (typeof value === "string") return stringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    if (typeof (value as { toString?: unknown }).toString === "function" && value.constructor !== Object) {
      return String(value);
    }
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${stringRepr(key)}: ${pythonRepr(item)}`).join(", ")}}`;
  }
  return String(value);
}

function numberRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  return String(value);
}

function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text
    .replace(/\\/g, "\\\\")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t");
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

/**
 * Python's `json.dumps(value, sort_keys=True)` as Jinja's `tojson` calls it: `", "` and `": "`
 * separators, sorted keys, non-ASCII as `\uXXXX`, and `<`, `>`, `&`, `'` escaped (HTML-safe).
 */
export function pythonJson(value: unknown, indent?: number, depth = 0): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number")
    return Number.isFinite(value)
      ? String(value)
      : numberRepr(value).replace("nan", "NaN").replace("inf", "Infinity");
  if (typeof value === "string") return jsonString(value);
  const newline = indent === undefined ? "" : `\n${" ".repeat(indent * (depth + 1))}`;
  const closing = indent === undefined ? "" : `\n${" ".repeat(indent * depth)}`;
  const separator = indent === undefined ? ", " : ",";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[${newline}${value.map((item) => pythonJson(item, indent, depth + 1)).join(separator + newline)}${closing}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).sort(([left], [right]) =>
    left < right ? -1 : left > right ? 1 : 0,
  );
  if (entries.length === 0) return "{}";
  const body = entries.map(([key, item]) => `${jsonString(key)}: ${pythonJson(item, indent, depth + 1)}`);
  return `{${newline}${body.join(separator + newline)}${closing}}`;
}

function jsonString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff<>&']/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
