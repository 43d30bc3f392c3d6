import { pythonJson, pythonRepr } from "./python-repr.ts";
import { pythonTruthy } from "./python-truthiness.ts";
import { isUnsafeName } from "./template-safety.ts";

/** nunjucks passes keyword arguments as a trailing object marked `__keywords`. */
type Keywords = Record<string, unknown> & { __keywords: true };

function splitKeywords(args: unknown[]): { positional: unknown[]; keywords: Record<string, unknown> } {
  const last = args.at(-1) as Partial<Keywords> | undefined;
  if (last && typeof last === "object" && last.__keywords === true) {
    const { __keywords: _, ...keywords } = last;
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}

function attribute(item: unknown, path: string): unknown {
  let value: unknown = item;
  for (const part of path.split(".")) {
    if (value === null || value === undefined || isUnsafeName(part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function toList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") return [...value];
  if (value && typeof value === "object") return Object.keys(value);
  return [];
}

/** Jinja's tests by name, for select/reject/selectattr/rejectattr with a test argument. */
const tests: Record<string, (value: unknown, argument?: unknown) => boolean> = {
  defined: (value) => value !== undefined,
  undefined: (value) => value === undefined,
  none: (value) => value === null,
  true: (value) => value === true,
  false: (value) => value === false,
  number: (value) => typeof value === "number",
  string: (value) => typeof value === "string",
  odd: (value) => Number(value) % 2 === 1,
  even: (value) => Number(value) % 2 === 0,
  equalto: (value, argument) => value === argument,
  eq: (value, argument) => value === argument,
  "==": (value, argument) => value === argument,
  ne: (value, argument) => value !== argument,
  "!=": (value, argument) => value !== argument,
  gt: (value, argument) => (value as number) > (argument as number),
  ">": (value, argument) => (value as number) > (argument as number),
  ge: (value, argument) => (value as number) >= (argument as number),
  ">=": (value, argument) => (value as number) >= (argument as number),
  lt: (value, argument) => (value as number) < (argument as number),
  "<": (value, argument) => (value as number) < (argument as number),
  le: (value, argument) => (value as number) <= (argument as number),
  "<=": (value, argument) => (value as number) <= (argument as number),
  in: (value, argument) =>
    Array.isArray(argument) || typeof argument === "string"
      ? argument.includes(value as never)
      : Boolean(argument && typeof argument === "object" && Object.hasOwn(argument, String(value))),
  truthy: (value) => truthy(value),
  falsy: (value) => !truthy(value),
};

const truthy = pythonTruthy;
const defaultFilter = (value: unknown, fallback: unknown = "", boolean: unknown = false) =>
  boolean ? (truthy(value) ? value : fallback) : value === undefined ? fallback : value;

function runTest(name: unknown, value: unknown, argument: unknown): boolean {
  if (name === undefined) return truthy(value);
  const test = tests[String(name)];
  if (!test) throw new Error(`no test named '${String(name)}'`);
  return test(value, argument);
}

function compare(left: unknown, right: unknown): number {
  if (typeof left === "string" && typeof right === "string") return left < right ? -1 : left > right ? 1 : 0;
  return (left as number) - (right as number);
}

/** `'%s and %d' | format(a, b)`: Python's printf-style formatting for the common conversions. */
function percentFormat(template: string, values: unknown[]): string {
  let index = 0;
  return template.replace(
    /%(\.\d+)?([sdifr%])/g,
    (_match, precision: string | undefined, conversion: string) => {
      if (conversion === "%") return "%";
      const value = values[index++];
      if (conversion === "d" || conversion === "i") return String(Math.trunc(Number(value)));
      if (conversion === "f") return Number(value).toFixed(precision ? Number(precision.slice(1)) : 6);
      if (conversion === "r") return pythonRepr(value);
      return typeof value === "string" ? value : pythonRepr(value);
    },
  );
}

/** Jinja2 filters nunjucks lacks or implements differently (keyword arguments, tests by name). */
export const jinjaFilters: Record<string, (value: unknown, ...args: unknown[]) => unknown> = {
  tojson: (value, ...args) => {
    const { positional, keywords } = splitKeywords(args);
    return pythonJson(value, (keywords.indent ?? positional[0]) as number | undefined);
  },
  map: (value, ...args) => {
    const { positional, keywords } = splitKeywords(args);
    const list = toList(value);
    if (typeof keywords.attribute === "string") {
      const path = keywords.attribute;
      return list.map((item) => attribute(item, path) ?? keywords.default);
    }
    const filterName = String(positional[0]);
    const filter = jinjaFilters[filterName] ?? builtinFilter(filterName);
    return list.map((item) => filter(item, ...positional.slice(1)));
  },
  unique: (value, ...args) => {
    const { keywords } = splitKeywords(args);
    const seen = new Set<unknown>();
    return toList(value).filter((item) => {
      const key = typeof keywords.attribute === "string" ? attribute(item, keywords.attribute) : item;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  },
  min: (value, ...args) => {
    const { keywords } = splitKeywords(args);
    const key = (item: unknown) =>
      typeof keywords.attribute === "string" ? attribute(item, keywords.attribute) : item;
    return toList(value).reduce(
      (best, item) => (best === undefined || compare(key(item), key(best)) < 0 ? item : best),
      undefined,
    );
  },
  max: (value, ...args) => {
    const { keywords } = splitKeywords(args);
    const key = (item: unknown) =>
      typeof keywords.attribute === "string" ? attribute(item, keywords.attribute) : item;
    return toList(value).reduce(
      (best, item) => (best === undefined || compare(key(item), key(best)) > 0 ? item : best),
      undefined,
    );
  },
  items: (value) => (value && typeof value === "object" ? Object.entries(value) : []),
  count: (value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.keys(value).length
      : toList(value).length,
  length: (value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.keys(value).length
      : toList(value).length,
  format: (value, ...args) => percentFormat(String(value), splitKeywords(args).positional),
  string: (value) => (typeof value === "string" ? value : pythonRepr(value)),
  join: (value, ...args) => {
    const { positional, keywords } = splitKeywords(args);
    const separator = String(keywords.d ?? positional[0] ?? "");
    const path = (keywords.attribute ?? positional[1]) as string | undefined;
    return toList(value)
      .map((item) => (path === undefined ? item : attribute(item, path)))
      .map((item) => (typeof item === "string" ? item : pythonRepr(item)))
      .join(separator);
  },
  sort: (value, ...args) => {
    const { positional, keywords } = splitKeywords(args);
    const reverse = Boolean(keywords.reverse ?? positional[0]);
    const path = (keywords.attribute ?? positional[2]) as string | undefined;
    const key = (item: unknown) => {
      const picked = path === undefined ? item : attribute(item, path);
      return typeof picked === "string" && !(keywords.case_sensitive ?? positional[1])
        ? picked.toLowerCase()
        : picked;
    };
    const sorted = [...toList(value)].sort((left, right) => compare(key(left), key(right)));
    return reverse ? sorted.reverse() : sorted;
  },
  select: (value, test, argument) => toList(value).filter((item) => runTest(test, item, argument)),
  reject: (value, test, argument) => toList(value).filter((item) => !runTest(test, item, argument)),
  selectattr: (value, path, test, argument) =>
    toList(value).filter((item) => runTest(test, attribute(item, String(path)), argument)),
  rejectattr: (value, path, test, argument) =>
    toList(value).filter((item) => !runTest(test, attribute(item, String(path)), argument)),
  center: (value, width) => {
    const text = String(value);
    const size = Math.min(Number(width ?? 80), 10_000);
    const pad = Math.max(0, size - text.length);
    return " ".repeat(Math.floor(pad / 2)) + text + " ".repeat(pad - Math.floor(pad / 2));
  },
  pprint: (value) => pythonRepr(value),
  default: defaultFilter,
  d: defaultFilter,
};

let builtinLookup: (name: string) => (value: unknown, ...args: unknown[]) => unknown = () => {
  throw new Error("no filters installed");
};

/** Lets `map('upper')` reach nunjucks' own filters; set by the environment that installs these. */
export function setBuiltinFilterLookup(lookup: typeof builtinLookup): void {
  builtinLookup = lookup;
}

function builtinFilter(name: string) {
  return builtinLookup(name);
}
