import { describe, expect, it } from "vitest";
import { renderJinja, TemplateRenderError } from "./render-jinja.ts";

// Expected strings are what Jinja2 3.1 (as Dify's template-transform runs it) prints.
describe("renderJinja", () => {
  it("prints values as Python does", () => {
    const variables = {
      text: "hi",
      flag: true,
      off: false,
      nothing: null,
      list: ["a", 1],
      dict: { k: "v" },
      n: 2.5,
    };
    expect(
      renderJinja("{{ text }}|{{ flag }}|{{ off }}|{{ nothing }}|{{ list }}|{{ dict }}|{{ n }}", variables),
    ).toBe("hi|True|False|None|['a', 1]|{'k': 'v'}|2.5");
    expect(renderJinja("[{{ missing }}][{{ obj.missing }}]", { obj: {} })).toBe("[][]");
  });

  it("has the filters Dify templates use", () => {
    const variables = { items: ["b", "a", "c"], name: "ada lovelace", score: 0.12345, empty: [] };
    expect(renderJinja("{{ items | join(', ') }}", variables)).toBe("b, a, c");
    expect(renderJinja("{{ items | length }} {{ items | count }} {{ name | length }}", variables)).toBe(
      "3 3 12",
    );
    expect(renderJinja("{{ name | upper }} {{ name | title }} {{ name | capitalize }}", variables)).toBe(
      "ADA LOVELACE Ada Lovelace Ada lovelace",
    );
    expect(renderJinja("{{ items | sort | join }} {{ items | first }} {{ items | last }}", variables)).toBe(
      "abc b c",
    );
    expect(renderJinja("{{ score | round(2) }} {{ empty | default('none', true) }}", variables)).toBe(
      "0.12 none",
    );
    expect(renderJinja("{{ '%s has %d' | format(name, 3) }}", variables)).toBe("ada lovelace has 3");
  });

  it("loops with loop.index, loop.first/last and whitespace control", () => {
    const template =
      "{% for n in names %}{{ loop.index }}. {{ n }}{% if not loop.last %}\n{% endif %}{% endfor %}";
    expect(renderJinja(template, { names: ["x", "y"] })).toBe("1. x\n2. y");
    const trimmed = "{%- for r in rows -%}\n- {{ r.title }}\n{%- endfor %}";
    expect(renderJinja(trimmed, { rows: [{ title: "a" }, { title: "b" }] })).toBe("- a- b");
    expect(renderJinja("{% for x in [] %}x{% else %}empty{% endfor %}", {})).toBe("empty");
  });

  it("reads dicts and lists the Python way", () => {
    const variables = {
      d: { a: 1, b: 2 },
      l: [1, 2, 3],
      users: [
        { name: "A", age: 30 },
        { name: "B", age: 10 },
      ],
    };
    expect(renderJinja("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", variables)).toBe(
      "a=1;b=2;",
    );
    expect(
      renderJinja("{{ d['a'] }} {{ d.b }} {{ d.get('z', 'dflt') }} {{ d.keys() | list }}", variables),
    ).toBe("1 2 dflt ['a', 'b']");
    expect(renderJinja("{{ l[0] }} {{ l[-1] }} {{ l[1:] }} {{ l[::-1] }}", variables)).toBe(
      "1 3 [2, 3] [3, 2, 1]",
    );
    expect(renderJinja("{{ users | map(attribute='name') | join(',') }}", variables)).toBe("A,B");
    expect(
      renderJinja("{{ users | selectattr('age', 'gt', 20) | map(attribute='name') | list }}", variables),
    ).toBe("['A']");
    expect(renderJinja("{{ d | tojson }}", { d: { b: "<x>", a: "é" } })).toBe(
      '{"a": "\\u00e9", "b": "\\u003cx\\u003e"}',
    );
  });

  it("has Python string methods and tests", () => {
    const variables = { s: "  a,b,c  ", word: "banana" };
    expect(
      renderJinja(
        "{{ s.strip().split(',') }} {{ word.replace('a', 'o') }} {{ word.startswith('ba') }}",
        variables,
      ),
    ).toBe("['a', 'b', 'c'] bonono True");
    expect(
      renderJinja("{% if x is defined and x > 1 %}big{% elif x is none %}none{% else %}small{% endif %}", {
        x: 5,
      }),
    ).toBe("big");
    expect(
      renderJinja("{{ 'y' in l }} {{ 'x' not in l }} {{ None }} {{ True and not False }}", { l: ["y"] }),
    ).toBe("True True None True");
  });

  it("drops one trailing newline like Jinja's default", () => {
    expect(renderJinja("line {{ n }}\n", { n: 1 })).toBe("line 1");
    expect(renderJinja("line\n\n", {})).toBe("line\n");
  });

  it("does not escape HTML (template-transform emits plain text)", () => {
    expect(renderJinja("{{ html }}", { html: "<b>&</b>" })).toBe("<b>&</b>");
  });

  it("rejects syntax errors with the position", () => {
    expect(() => renderJinja("line1\n{% if x %}\n{% endfor %}", {})).toThrow(
      /unknown block tag: endfor \(line 3/,
    );
    expect(() => renderJinja("{{ x ", {})).toThrow(TemplateRenderError);
    expect(() => renderJinja("{{ x | nofilter }}", {})).toThrow(/filter not found: nofilter/);
  });

  it("stops hostile templates by time, output size and range size", () => {
    const started = Date.now();
    expect(() =>
      renderJinja(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        {},
        { timeoutMs: 200 },
      ),
    ).toThrow("the template ran longer than its time limit");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(() =>
      renderJinja(
        "{% for i in range(100000) %}{{ 'xxxxxxxxxx' }}{% endfor %}",
        {},
        { maxOutputChars: 10_000 },
      ),
    ).toThrow("the template's output is larger than its limit");
    expect(() => renderJinja("{% for i in range(10000000) %}{% endfor %}", {})).toThrow(
      /range\(\) of 10000000 items/,
    );
  });
});

describe("renderJinja truthiness", () => {
  it("treats empty lists and dicts as false, like Python", () => {
    const variables = { empty: [], none: {}, some: [1], text: "" };
    expect(renderJinja("{% if empty %}yes{% else %}no{% endif %}", variables)).toBe("no");
    expect(renderJinja("{% if not none %}empty{% endif %}", variables)).toBe("empty");
    expect(
      renderJinja("{{ 'a' if some else 'b' }} {{ empty or 'fallback' }} {{ some and 'both' }}", variables),
    ).toBe("a fallback both");
    expect(renderJinja("{% if empty %}1{% elif some %}2{% endif %}", variables)).toBe("2");
  });
});

describe("renderJinja statements", () => {
  it("counts with namespace() and filters loops with for … if", () => {
    const counter =
      "{% set ns = namespace(count=0) %}{% for i in items %}{% if i > 1 %}{% set ns.count = ns.count + 1 %}{% endif %}{% endfor %}{{ ns.count }}";
    expect(renderJinja(counter, { items: [1, 2, 3] })).toBe("2");
    expect(renderJinja("{% for i in items if i > 1 %}{{ i }};{% endfor %}", { items: [1, 2, 3] })).toBe(
      "2;3;",
    );
  });

  it("repeats and joins sequences as Python does", () => {
    expect(
      renderJinja("{{ '-' * 5 }}|{{ a + b }}|{{ [0] * 3 }}|{{ 2 * 3 }}|{{ 1 + 2 }}", { a: [1], b: [2] }),
    ).toBe("-----|[1, 2]|[0, 0, 0]|6|3");
    expect(() => renderJinja("{{ 'x' * 100000000 }}", {})).toThrow(/more than the limit/);
  });

  it("has Jinja's sequence/mapping/boolean/integer tests", () => {
    expect(
      renderJinja("{{ l is sequence }} {{ d is mapping }} {{ 1 is integer }} {{ 1.5 is float }}", {
        l: [],
        d: {},
      }),
    ).toBe("True True True True");
  });
});

describe("renderJinja safety", () => {
  it("gives templates no way to JavaScript's Function or Object.prototype", () => {
    const escapes = [
      "{{ ''.constructor.constructor('return process')() }}",
      "{{ range.constructor('return process.pid')() }}",
      "{{ x['constructor']['constructor']('return 1')() }}",
      "{{ constructor.getPrototypeOf(x) }}",
      "{% set f = [''] | map(attribute='constructor.constructor') | first %}{{ f('return process')() }}",
      "{% set ns = namespace() %}{% set ns.__proto__ = 1 %}",
      "{% set x.polluted = 1 %}",
      "{% set o = x.get('constructor') %}{{ o.getOwnPropertyDescriptor(o, 'constructor').value('return process.pid')() }}",
      "{% set p = x.setdefault('__proto__') %}{{ p.update({'polluted': 1}) }}",
      "{{ x.pop('constructor') }}",
    ];
    for (const template of escapes) {
      let output = "";
      try {
        output = renderJinja(template, { x: {} });
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateRenderError);
      }
      expect(output, template).not.toMatch(/\d{2,}|object|function/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(
      renderJinja("{{ x.__proto__ }}|{{ x.constructor }}|{{ x.get('constructor', 'no') }}", { x: {} }),
    ).toBe("||no");
    expect(
      renderJinja("{{ d.get('a') }} {{ d.setdefault('b', 2) }} {{ d.pop('a') }} {{ d }}", { d: { a: 1 } }),
    ).toBe("1 2 1 {'b': 2}");
  });
});
