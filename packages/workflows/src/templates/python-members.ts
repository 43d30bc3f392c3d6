import { pythonStr } from "./python-repr.ts";

/**
 * Python `str` methods templates call on strings (`name.upper()`, `text.split(',')`), which
 * JavaScript strings lack or implement differently (`replace` replaces every match in Python).
 */
export const stringMembers: Record<string, (this: string, ...args: unknown[]) => unknown> = {
  upper() {
    return this.toUpperCase();
  },
  lower() {
    return this.toLowerCase();
  },
  strip(chars?: unknown) {
    return stripEnds(this, chars, true, true);
  },
  lstrip(chars?: unknown) {
    return stripEnds(this, chars, true, false);
  },
  rstrip(chars?: unknown) {
    return stripEnds(this, chars, false, true);
  },
  split(separator?: unknown, limit?: unknown) {
    const parts =
      separator === undefined || separator === null
        ? this.trim().split(/\s+/).filter(Boolean)
        : this.split(String(separator));
    if (typeof limit === "number" && limit >= 0 && parts.length > limit + 1) {
      const joiner = separator === undefined || separator === null ? " " : String(separator);
      return [...parts.slice(0, limit), parts.slice(limit).join(joiner)];
    }
    return parts;
  },
  splitlines() {
    return this.split(/\r?\n/);
  },
  startswith(prefix: unknown) {
    return Array.isArray(prefix)
      ? prefix.some((item) => this.startsWith(String(item)))
      : this.startsWith(String(prefix));
  },
  endswith(suffix: unknown) {
    return Array.isArray(suffix)
      ? suffix.some((item) => this.endsWith(String(item)))
      : this.endsWith(String(suffix));
  },
  replace(old: unknown, replacement: unknown, count?: unknown) {
    const parts = this.split(String(old));
    if (typeof count === "number" && count >= 0 && parts.length > count + 1) {
      return (
        parts.slice(0, count + 1).join(String(replacement)) +
        String(old) +
        parts.slice(count + 1).join(String(old))
      );
    }
    return parts.join(String(replacement));
  },
  title() {
    return this.toLowerCase().replace(
      /(^|[^\p{L}\p{N}'])(\p{L})/gu,
      (_match, before: string, letter: string) => before + letter.toUpperCase(),
    );
  },
  capitalize() {
    return this.charAt(0).toUpperCase() + this.slice(1).toLowerCase();
  },
  find(part: unknown) {
    return this.indexOf(String(part));
  },
  count(part: unknown) {
    const needle = String(part);
    return needle === "" ? this.length + 1 : this.split(needle).length - 1;
  },
  join(items: unknown) {
    return (Array.isArray(items) ? items : []).map(pythonStr).join(this);
  },
  isdigit() {
    return /^\d+$/.test(this);
  },
  isalpha() {
    return /^\p{L}+$/u.test(this);
  },
  zfill(width: unknown) {
    return this.padStart(Number(width), "0");
  },
  format(...args: unknown[]) {
    const last = args.at(-1) as Record<string, unknown> | undefined;
    const keywords = last && typeof last === "object" && last.__keywords ? last : {};
    let next = 0;
    return this.replace(/\{(\w*)\}/g, (_match, name: string) => {
      if (name === "") return pythonStr(args[next++]);
      if (/^\d+$/.test(name)) return pythonStr(args[Number(name)]);
      return pythonStr(keywords[name]);
    });
  },
};

function stripEnds(text: string, chars: unknown, start: boolean, end: boolean): string {
  if (chars === undefined || chars === null) {
    return start && end ? text.trim() : start ? text.trimStart() : text.trimEnd();
  }
  const set = new Set(String(chars));
  let from = 0;
  let to = text.length;
  while (start && from < to && set.has(text[from] as string)) from++;
  while (end && to > from && set.has(text[to - 1] as string)) to--;
  return text.slice(from, to);
}
