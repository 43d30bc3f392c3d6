import { isUnsafeName } from "./template-safety.ts";

/**
 * Python dict methods on template objects. nunjucks' Jinja compatibility has them, but reads
 * any key (`x.get('constructor')` hands out `Object`, `x.setdefault('__proto__')` hands out
 * `Object.prototype`, whose `update` would change every object in the server). These read and
 * write own keys only and refuse the unsafe names.
 */
type Dict = Record<string, unknown>;

function checkedKey(key: unknown): string {
  if (isUnsafeName(key)) throw new Error(`'${String(key)}' is not a key a template may use`);
  return String(key);
}

export const dictMembers: Record<string, (this: Dict, ...args: unknown[]) => unknown> = {
  get(key, fallback) {
    return typeof key === "string" && !isUnsafeName(key) && Object.hasOwn(this, key) ? this[key] : fallback;
  },
  has_key(key) {
    return typeof key === "string" && Object.hasOwn(this, key);
  },
  setdefault(key, fallback = null) {
    const name = checkedKey(key);
    if (!Object.hasOwn(this, name)) this[name] = fallback;
    return this[name];
  },
  pop(key, fallback) {
    const name = checkedKey(key);
    if (Object.hasOwn(this, name)) {
      const value = this[name];
      delete this[name];
      return value;
    }
    if (fallback === undefined) throw new Error(`KeyError: ${name}`);
    return fallback;
  },
  update(other) {
    if (other && typeof other === "object") {
      for (const [key, value] of Object.entries(other)) {
        if (key !== "__keywords") this[checkedKey(key)] = value;
      }
    }
    return null;
  },
  items() {
    return Object.entries(this);
  },
  keys() {
    return Object.keys(this);
  },
  values() {
    return Object.values(this);
  },
};

export function isDict(value: unknown): value is Dict {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
