/**
 * Names a template may not read: each is a way from a value to its constructor or prototype,
 * i.e. to `Function` (running JavaScript in the server) or to `Object.prototype` (polluting
 * every object). nunjucks itself lets `''.constructor.constructor('return process')()` through.
 */
const unsafeNames = new Set([
  "constructor",
  "__proto__",
  "prototype",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "caller",
  "callee",
  "arguments",
]);

export function isUnsafeName(name: unknown): boolean {
  return typeof name === "string" && unsafeNames.has(name);
}

/** Jinja's `namespace(...)`: the one kind of object a template may assign attributes on. */
export class JinjaNamespace {
  [name: string]: unknown;
}

export function createNamespace(...args: unknown[]): JinjaNamespace {
  const namespace = new JinjaNamespace();
  for (const argument of args) {
    if (argument && typeof argument === "object") {
      for (const [key, value] of Object.entries(argument)) {
        if (key !== "__keywords" && !isUnsafeName(key)) namespace[key] = value;
      }
    }
  }
  return namespace;
}

/** `{% set ns.attr = value %}`. */
export function assignOnNamespace(target: unknown, name: unknown, value: unknown): void {
  if (!(target instanceof JinjaNamespace)) {
    throw new Error("only a namespace() accepts {% set x.attr = ... %}");
  }
  if (typeof name !== "string" || isUnsafeName(name)) throw new Error(`cannot set '${String(name)}'`);
  target[name] = value;
}
