import type { Options } from "react-markdown";

type PluggableList = NonNullable<Options["remarkPlugins"]>;

/** remark-math and rehype-katex with KaTeX's stylesheet: loaded the first time a formula shows up. */
export interface MathPlugins {
  remark: PluggableList;
  rehype: PluggableList;
}

let loading: Promise<MathPlugins> | null = null;
let loaded: MathPlugins | null = null;

export function loadedMathPlugins(): MathPlugins | null {
  return loaded;
}

export function loadMathPlugins(): Promise<MathPlugins> {
  loading ??= Promise.all([
    import("remark-math"),
    import("rehype-katex"),
    import("katex/dist/katex.min.css"),
  ]).then(([remarkMath, rehypeKatex]) => {
    loaded = {
      remark: [remarkMath.default],
      // trust: false keeps \href{javascript:…}, \htmlStyle and friends out of the output.
      rehype: [
        [rehypeKatex.default, { throwOnError: false, strict: "ignore", trust: false, maxExpand: 500 }],
      ],
    };
    return loaded;
  });
  return loading;
}

/** Dollar signs or \( \[ delimiters: worth loading the math plugins for. */
export function mayContainMath(text: string): boolean {
  return /\$|\\\(|\\\[/.test(text);
}
