/**
 * Web app weight and speed (issue 5, benchmark 2), on the built app in apps/web/dist (this script
 * builds nothing: the root `prepare` builds it, or `npm run build -w @nexus/web`).
 *   weight — the JS and CSS that apps/web/dist/index.html loads up front (entry script,
 *            modulepreload links, stylesheets), gzipped with node:zlib (default level); every
 *            other chunk is lazy and listed apart; the JS a cold load actually fetches (until the
 *            network is idle: lazy chunks the app preloads at start included) as a cross-check.
 *   FCP    — headless Chromium (/usr/bin/chromium, playwright-core) on localhost against `nexus
 *            start`, signed in with a key (POST /api/sessions, as the web tests do); each load a
 *            fresh browser context (empty cache and cookies), after one uncounted load; median
 *            of 5. Also when the composer is there (the chat is usable).
 *   Enter to first token — in a conversation created through the API (model: an alias over the
 *            stub upstream), from the Enter keydown's timestamp to the frame after the first
 *            token of the answer is in the page; minus the model's own TTFT (the stub called
 *            directly from here, in the same run); 20 sends after 2 uncounted: median, quartile
 *            and minimum (the machine is shared: one slow sample says little), and where the time
 *            went. The wait for each sample is one evaluation settled by the page's probe, not a
 *            poll that would run in the page every frame while it is being measured.
 * Selectors are by role and accessible name (the composer is the textbox named "Message").
 * With two or more cores (taskset), Nexus and the stub run on core 1, this script on core 0, and
 * Chromium on every core (`--browser-cores 0` confines it to core 0).
 * Targets: initial JS < 250 KB gzipped; FCP < 1 s; Enter to first token < 50 ms + the model's TTFT.
 *
 *   npx tsx bench/web-app.ts [--loads 5] [--sends 20] [--browser-cores 0-1]
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { type Browser, chromium, type Page } from "playwright-core";
import { testChromium } from "../packages/core/src/testing/test-chromium.ts";
import {
  canPin,
  cleanup,
  machineLine,
  median,
  quantile,
  root,
  startNexusServer,
  startStub,
} from "./bench-processes.ts";

const flag = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const loads = flag("--loads", 5);
const sends = flag("--sends", 20);
const distDir = path.join(root, "apps/web/dist");
const browserCoresIndex = process.argv.indexOf("--browser-cores");
// Chromium is several processes (browser, renderer, network, GPU stand-in): squeezed onto this
// script's one core it measured 2-3x slower than on both, so by default it gets every core.
const browserCores =
  browserCoresIndex > 0 ? process.argv[browserCoresIndex + 1] : `0-${os.cpus().length - 1}`;
const alias = "bench-stub";
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => value.toFixed(1);

/**
 * Moves Chromium's processes (this script's descendants named chrom*) to `cores`; renderers
 * started later are forked from its zygote and inherit that.
 */
function pinChromium(cores: string) {
  const descendants = (pid: number): number[] => {
    const children = fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .split(" ")
      .filter((id) => id.trim() !== "")
      .map(Number);
    return children.flatMap((child) => [child, ...descendants(child)]);
  };
  for (const pid of descendants(process.pid)) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("chrom")) continue;
      execFileSync("taskset", ["-a", "-p", "-c", cores, String(pid)], { stdio: "ignore" });
    } catch {
      // Gone already.
    }
  }
}

// --- weight ------------------------------------------------------------------------------------

interface Asset {
  file: string;
  bytes: number;
  gzipped: number;
}

function assetOf(file: string): Asset {
  const content = fs.readFileSync(path.join(distDir, file));
  return { file, bytes: content.length, gzipped: zlib.gzipSync(content).length };
}

function weigh() {
  const html = fs.readFileSync(path.join(distDir, "index.html"), "utf8");
  const attribute = (tag: string, name: string) =>
    new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`, "i").exec(tag)?.[1];
  const initialJs = new Set<string>();
  const initialCss = new Set<string>();
  for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
    const src = attribute(tag, "src");
    if (src) initialJs.add(src.replace(/^\//, ""));
  }
  for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
    const rel = attribute(tag, "rel")?.toLowerCase();
    const href = attribute(tag, "href");
    if (!href) continue;
    if (rel === "modulepreload") initialJs.add(href.replace(/^\//, ""));
    if (rel === "stylesheet") initialCss.add(href.replace(/^\//, ""));
  }
  const all = fs
    .readdirSync(path.join(distDir, "assets"))
    .filter((file) => /\.(js|css)$/.test(file))
    .map((file) => `assets/${file}`);
  const lazy = all.filter((file) => !initialJs.has(file) && !initialCss.has(file)).map(assetOf);
  return {
    js: [...initialJs].map(assetOf),
    css: [...initialCss].map(assetOf),
    lazy: lazy.sort((a, b) => b.gzipped - a.gzipped),
  };
}

const total = (assets: Asset[], field: "bytes" | "gzipped" = "gzipped") =>
  assets.reduce((sum, asset) => sum + asset[field], 0);

/** Warns when a source file of the web app changed after the build being measured. */
function staleness(): string | undefined {
  const built = fs.statSync(path.join(distDir, "index.html")).mtimeMs;
  let newest = { file: "", mtime: 0 };
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (fs.statSync(full).mtimeMs > newest.mtime)
        newest = { file: full, mtime: fs.statSync(full).mtimeMs };
    }
  };
  walk(path.join(root, "apps/web/src"));
  return newest.mtime > built
    ? `apps/web/dist is older than ${path.relative(root, newest.file)}: the figures are for the last build (npm run build -w @nexus/web)`
    : undefined;
}

// --- browser -----------------------------------------------------------------------------------

declare global {
  interface Window {
    __bench: {
      composerAt: number | null;
      armed: string | null;
      enterAt: number | null;
      readAt: number | null;
      tokenAt: number | null;
      paintedAt: number | null;
      /** Called once `paintedAt` is set. */
      onPainted?: () => void;
    };
    /** [start, duration] of each long task so far. */
    __benchLongTasks: Array<[number, number]>;
  }
}

/**
 * Runs in the page before its own scripts: notes when the composer first appears, and — once
 * armed with the first token expected — the Enter keydown's timestamp, when that token is first
 * in the DOM (a MutationObserver: right after the commit) and the frame after (rAF, then a task:
 * once that frame is painted). Source text rather than a function: tsx would wrap the function's
 * inner functions in a helper the page does not have.
 */
const pageProbe = `(() => {
  const bench = { composerAt: null, armed: null, enterAt: null, readAt: null, tokenAt: null, paintedAt: null };
  window.__bench = bench;
  // Main-thread tasks of 50 ms or more (where a slow step waits on the page itself).
  const longTasks = [];
  window.__benchLongTasks = longTasks;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push([entry.startTime, entry.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch {}
  // When the page's code reads the token off the stream (fetch streams; n/a for EventSource).
  const read = ReadableStreamDefaultReader.prototype.read;
  ReadableStreamDefaultReader.prototype.read = function () {
    return read.call(this).then((result) => {
      const value = result.value;
      if (bench.armed && bench.readAt === null && bench.enterAt !== null) {
        const text = typeof value === "string" ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : "";
        if (text.includes(bench.armed)) bench.readAt = performance.now();
      }
      return result;
    });
  };
  const composerSelector = 'textarea[aria-label="Message"], [role="textbox"][aria-label="Message"]';
  new MutationObserver(() => {
    if (bench.composerAt === null && document.querySelector(composerSelector))
      bench.composerAt = performance.now();
    const token = bench.armed;
    if (token && bench.enterAt !== null && bench.tokenAt === null && document.body.textContent.includes(token)) {
      bench.tokenAt = performance.now();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => { bench.paintedAt = performance.now(); bench.onPainted?.(); };
        channel.port2.postMessage(null);
      });
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
  document.addEventListener("keydown", (event) => {
    if (bench.armed && bench.enterAt === null && event.key === "Enter" && !event.shiftKey)
      bench.enterAt = event.timeStamp;
  }, true);
})();`;

const composer = (page: Page) => page.getByRole("textbox", { name: "Message" });

async function signedInContext(browser: Browser, url: string, key: string) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  await context.addInitScript({ content: pageProbe });
  const answer = await context.request.post(`${url}/api/sessions`, { data: { key } });
  if (answer.status() !== 201) throw new Error(`sign-in failed: ${answer.status()} ${await answer.text()}`);
  return context;
}

/** One cold load of the chat app: paint timings, and the JS it fetched. */
async function coldLoad(browser: Browser, url: string, key: string) {
  const context = await signedInContext(browser, url, key);
  try {
    const page = await context.newPage();
    const scripts: string[] = [];
    page.on("response", (response) => {
      const pathname = new URL(response.url()).pathname;
      if (pathname.startsWith("/assets/") && pathname.endsWith(".js")) scripts.push(pathname.slice(1));
    });
    await page.goto(`${url}/`, { waitUntil: "load" });
    await composer(page).waitFor({ state: "visible", timeout: 20_000 });
    await page.waitForLoadState("networkidle");
    const timings = await page.evaluate(() => {
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return {
        fcp: paint ? paint.startTime : Number.NaN,
        domContentLoaded: navigation.domContentLoadedEventEnd,
        composer: window.__bench.composerAt ?? Number.NaN,
      };
    });
    return { ...timings, scripts };
  } finally {
    await context.close();
  }
}

/** The stub's own time to first token, called directly. */
function stubTtft(origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify({
      model: "stub-model",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    const started = performance.now();
    let first: number | undefined;
    const request = http.request(
      `${origin}/v1/chat/completions`,
      { method: "POST", headers: { "content-type": "application/json" } },
      (response) => {
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (first === undefined && chunk.includes('"content":"tok0')) first = performance.now();
        });
        response.on("end", () =>
          first === undefined ? reject(new Error("the stub sent no token")) : resolve(first - started),
        );
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

async function api<T>(url: string, key: string, method: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** One message typed in a fresh conversation: Enter to the first token rendered. */
async function enterToFirstToken(page: Page, url: string, key: string, index: number) {
  const conversation = await api<{ id: string }>(`${url}/api/conversations`, key, "POST", {
    model: alias,
    title: `Benchmark ${index}`,
  });
  await page.evaluate(
    (hash) => {
      window.location.hash = hash;
    },
    `#/c/${encodeURIComponent(conversation.id)}`,
  );
  await page.getByRole("heading", { name: `Benchmark ${index}`, exact: true }).waitFor({ timeout: 10_000 });
  const box = composer(page);
  await box.waitFor({ state: "visible" });
  await box.fill(`Say hello, number ${index}.`);
  await page.evaluate(() => {
    Object.assign(window.__bench, {
      onPainted: undefined,
      armed: "tok0",
      enterAt: null,
      readAt: null,
      tokenAt: null,
      paintedAt: null,
    });
    performance.clearResourceTimings();
  });
  await box.press("Enter");
  // One evaluation that settles when the probe has seen the frame: polling (waitForFunction's
  // default runs a check in the page every frame) would put work of ours into the window measured.
  await page
    .evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          window.__bench.onPainted = resolve;
          if (window.__bench.paintedAt !== null) resolve();
          setTimeout(() => reject(new Error("no first token painted within 20 s")), 20_000);
        }),
    )
    .catch(async (error: Error) => {
      const state = await page.evaluate(() => ({
        ...window.__bench,
        text: document.body.textContent?.slice(0, 600),
      }));
      throw new Error(`${error.message}; probe: ${JSON.stringify(state)}`);
    });
  const probe = await page.evaluate(() => ({ ...window.__bench }));
  // The whole answer, before the next message.
  await page.waitForFunction(() => document.body.textContent?.includes("tok19"), undefined, {
    timeout: 20_000,
  });
  // Where the time went, from the page's resource timings of the send and the stream.
  const { requests, longTasks } = await page.evaluate(() => {
    window.__bench.armed = null;
    const requests = performance
      .getEntriesByType("resource")
      .map((entry) => entry as PerformanceResourceTiming)
      .filter((entry) => /\/api\/conversations\/[^/]+\/messages/.test(entry.name))
      .map((entry) => ({
        path: new URL(entry.name).pathname,
        start: entry.startTime,
        firstByte: entry.responseStart,
        end: entry.responseEnd,
      }));
    return { requests, longTasks: window.__benchLongTasks };
  });
  const enterAt = probe.enterAt ?? Number.NaN;
  const tokenAt = probe.tokenAt ?? Number.NaN;
  // The send answers with the reply's stream (Accept: text/event-stream): its first byte is the
  // `created` event; the resource entry ends only with the whole answer.
  const post = requests.find((entry) => entry.path.endsWith("/messages"));
  const paintedAt = probe.paintedAt ?? Number.NaN;
  const busy = longTasks
    .map(([start, duration]) => Math.min(start + duration, paintedAt) - Math.max(start, enterAt))
    .filter((overlap) => overlap > 0)
    .reduce((sum, overlap) => sum + overlap, 0);
  return {
    busy,
    dom: tokenAt - enterAt,
    painted: paintedAt - enterAt,
    steps: {
      enterToPost: (post?.start ?? Number.NaN) - enterAt,
      postFirstByte: (post?.firstByte ?? Number.NaN) - (post?.start ?? Number.NaN),
      firstByteToRead: (probe.readAt ?? Number.NaN) - (post?.firstByte ?? Number.NaN),
      readToDom: tokenAt - (probe.readAt ?? Number.NaN),
      domToFrame: paintedAt - tokenAt,
    },
  };
}

const stepNames = {
  enterToPost: "Enter → POST …/messages sent (page work)",
  postFirstByte: "POST sent → first byte (the `created` event)",
  firstByteToRead: "first byte → the page's code reads the first token off the stream",
  readToDom: "token read → in the DOM (parse, state, React render)",
  domToFrame: "token in the DOM → frame after",
} as const;

// --- run ---------------------------------------------------------------------------------------

if (!fs.existsSync(path.join(distDir, "index.html"))) {
  console.error("apps/web/dist is not built: run `npm run build -w @nexus/web` (or `npm run prepare`) first");
  process.exit(1);
}

let browser: Browser | undefined;
try {
  const startedAt = machineLine();
  const stale = staleness();
  const weight = weigh();
  const stub = await startStub();
  const nexus = await startNexusServer({
    NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "stub", baseURL: stub.baseURL }]),
    NEXUS_DISCOVERY_PORTS: "off",
  });
  // An alias, so the workspace lists a model (the stub has no /v1/models) and the app opens the chat.
  await api(`${nexus.url}/api/gateway/aliases/${alias}`, nexus.key, "PUT", {
    deployments: [{ provider: "stub", model: "stub-model" }],
  });
  browser = await chromium.launch(testChromium);
  const chromiumVersion = browser.version();
  if (canPin && browserCores) pinChromium(browserCores);

  console.error(`cold loads: 1 uncounted + ${loads} ...`);
  await coldLoad(browser, nexus.url, nexus.key);
  const coldLoads: Array<Awaited<ReturnType<typeof coldLoad>>> = [];
  for (let index = 0; index < loads; index += 1)
    coldLoads.push(await coldLoad(browser, nexus.url, nexus.key));

  console.error(`Enter to first token: 2 uncounted + ${sends} ...`);
  const context = await signedInContext(browser, nexus.url, nexus.key);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${nexus.url}/`);
  await composer(page).waitFor({ state: "visible", timeout: 20_000 });
  const sendsMeasured: Array<Awaited<ReturnType<typeof enterToFirstToken>>> = [];
  const ttfts: number[] = [];
  for (let index = 0; index < sends + 2; index += 1) {
    const ttft = await stubTtft(stub.origin);
    const sample = await enterToFirstToken(page, nexus.url, nexus.key, index);
    if (index < 2) continue;
    ttfts.push(ttft);
    sendsMeasured.push(sample);
  }
  await context.close();

  // --- report ----------------------------------------------------------------------------------
  const initialJs = total(weight.js);
  const initialCss = total(weight.css);
  const fetched = new Set(coldLoads.flatMap((load) => load.scripts));
  const fetchedAssets = [...fetched].filter((file) => fs.existsSync(path.join(distDir, file))).map(assetOf);
  const preloadedLazy = fetchedAssets.filter((asset) => !weight.js.some((js) => js.file === asset.file));
  const fcp = median(coldLoads.map((load) => load.fcp));
  const composerReady = median(coldLoads.map((load) => load.composer));
  const domContentLoaded = median(coldLoads.map((load) => load.domContentLoaded));
  const modelTtft = median(ttfts);
  const painted = median(sendsMeasured.map((sample) => sample.painted));
  const inDom = median(sendsMeasured.map((sample) => sample.dom));
  const added = painted - modelTtft;

  console.log(`\nWeb app weight and speed, headless Chromium ${chromiumVersion} on localhost`);
  console.log(
    `${startedAt}${canPin ? `; Nexus and the stub on core 1, this script on core 0, Chromium on cores ${browserCores}` : ""}; shared, busy machine`,
  );
  if (stale) console.log(`WARNING: ${stale}`);
  console.log("\n| what loads | files | raw | gzipped |");
  console.log("| --- | --- | --- | --- |");
  console.log(
    `| initial JS (index.html: entry + modulepreload) | ${weight.js.length} | ${kb(total(weight.js, "bytes"))} | ${kb(initialJs)} |`,
  );
  for (const asset of weight.js)
    console.log(`|   ${asset.file} | | ${kb(asset.bytes)} | ${kb(asset.gzipped)} |`);
  console.log(
    `| initial CSS (index.html stylesheets) | ${weight.css.length} | ${kb(total(weight.css, "bytes"))} | ${kb(initialCss)} |`,
  );
  console.log(
    `| JS a cold load fetched (until network idle) | ${fetchedAssets.length} | ${kb(total(fetchedAssets, "bytes"))} | ${kb(total(fetchedAssets))} |`,
  );
  for (const asset of preloadedLazy)
    console.log(`|   lazy, fetched at start: ${asset.file} | | ${kb(asset.bytes)} | ${kb(asset.gzipped)} |`);
  console.log(
    `| lazy chunks (all, JS + CSS) | ${weight.lazy.length} | ${kb(total(weight.lazy, "bytes"))} | ${kb(total(weight.lazy))} |`,
  );
  const listed = weight.lazy.filter((asset) => asset.gzipped >= 10 * 1024);
  for (const asset of listed)
    console.log(`|   ${asset.file} | | ${kb(asset.bytes)} | ${kb(asset.gzipped)} |`);
  console.log(
    `|   ${weight.lazy.length - listed.length} more under 10 KB gzipped | | | ${kb(total(weight.lazy) - total(listed))} |`,
  );

  console.log(`\n| cold load, signed in (median of ${loads}) | ms | each load |`);
  console.log("| --- | --- | --- |");
  const each = (field: "fcp" | "composer" | "domContentLoaded") =>
    coldLoads.map((load) => ms(load[field])).join(", ");
  console.log(`| DOMContentLoaded | ${ms(domContentLoaded)} | ${each("domContentLoaded")} |`);
  console.log(`| first contentful paint | ${ms(fcp)} | ${each("fcp")} |`);
  console.log(`| composer in the page (chat usable) | ${ms(composerReady)} | ${each("composer")} |`);

  // On a shared machine one slow sample says little: the quartile and the minimum show the spread.
  const spread = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${ms(median(values))} | ${ms(quantile(sorted, 0.25))} | ${ms(sorted[0] ?? Number.NaN)} | ${values.map(ms).join(", ")}`;
  };
  console.log(`\n| Enter to first token (${sends} sends) | median ms | p25 | min | each |`);
  console.log("| --- | --- | --- | --- | --- |");
  console.log(`| model's own TTFT (stub, called directly) | ${spread(ttfts)} |`);
  console.log(`| Enter → first token in the DOM | ${spread(sendsMeasured.map((s) => s.dom))} |`);
  console.log(
    `| Enter → first token rendered (frame after) | ${spread(sendsMeasured.map((s) => s.painted))} |`,
  );
  console.log(`| rendered − model TTFT (medians) | ${ms(added)} | | | |`);
  const busy = sendsMeasured.map((sample) => sample.busy);
  console.log(`| page main thread in long tasks (≥ 50 ms) within Enter → frame | ${spread(busy)} |`);
  for (const [step, name] of Object.entries(stepNames) as Array<[keyof typeof stepNames, string]>) {
    console.log(`|   ${name} | ${spread(sendsMeasured.map((sample) => sample.steps[step]))} |`);
  }
  console.log(`\nat the end: ${machineLine()}`);

  console.log("");
  console.log(
    `initial JS: ${kb(initialJs)} gzipped (target < 250 KB: ${initialJs < 250 * 1024 ? "met" : "NOT met"}); initial CSS ${kb(initialCss)} gzipped`,
  );
  console.log(
    `first contentful paint: ${ms(fcp)} ms (target < 1000 ms: ${fcp < 1000 ? "met" : "NOT met"}); composer ready at ${ms(composerReady)} ms`,
  );
  console.log(
    `Enter to first rendered token: ${ms(painted)} ms = model TTFT ${ms(modelTtft)} ms + ${ms(added)} ms (target < 50 ms + TTFT: ${added < 50 ? "met" : "NOT met"})`,
  );
  console.log(
    "Lobe Chat: no published bundle size found (searched its GitHub issues and PRs, docs and web pages). The nearest public figure is a user's report, lobehub/lobehub#9077 (2025-09-04): the web app 'weights over 30MB of HTML/CSS/JS/XHR' (their total of those requests; compressed or not is not stated; a maintainer answered that it is true). That is not a gzipped initial-JS figure, so no ratio is given; our figures stand alone.",
  );
  if (problems.length > 0) console.log(`page errors during the run: ${problems.join(" | ")}`);
} finally {
  await browser?.close();
  cleanup();
}
