/**
 * Local inference (issue 4, benchmark 2): tokens/s and time to first token of a local GGUF model
 * through Nexus's `/v1/chat/completions` (streaming, `nexus start` as a child process with
 * NEXUS_MODELS_DIR at the model's folder) against node-llama-cpp called directly in this process on
 * the same file, in the same run: same prompt, same max tokens, temperature 0, same seed, the same
 * chat wrapper, context size, threads and 4 parallel sequences as Nexus's local provider uses.
 *   1 request at a time, then 4 concurrent requests (aggregate tokens/s).
 * With two or more cores (taskset), Nexus runs on core 1 and this process (the direct model and
 * the HTTP client) on core 0, so each side has one core. Rounds alternate direct and Nexus and
 * report medians. Targets: Nexus ≥ 95% of direct tokens/s; 4 concurrent ≥ 2x one request.
 *
 *   npx tsx bench/local-inference.ts [--model /path/model.gguf] [--max-tokens 128] [--rounds 5]
 */
import os from "node:os";
import path from "node:path";
import type { ChatHistoryItem, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { canPin, cleanup, median, startNexusServer } from "./bench-processes.ts";

const flag = (name: string, fallback: string) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const modelPath = path.resolve(flag("--model", "/work/shared/models/llama-2-tiny-random.gguf"));
const maxTokens = Number(flag("--max-tokens", "128"));
const rounds = Number(flag("--rounds", "5"));
const concurrency = 4;
const prompt = "Write a short story about a robot who learns to paint, in five sentences.";
const seed = 42;
// What Nexus's local provider uses (see createLocalProvider); computed here under the same pinning.
const threads = Math.max(1, Math.min(8, os.availableParallelism()));

interface Run {
  /** Milliseconds from sending to the first text. */
  ttftMs: number;
  totalMs: number;
  tokens: number;
}

/** The model called directly: what the local provider does per request, minus HTTP and the gateway. */
async function openDirect() {
  const { getLlama, LlamaChat, GeneralChatWrapper, resolveChatWrapper, LlamaLogLevel } = await import(
    "node-llama-cpp"
  );
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model: LlamaModel = await llama.loadModel({ modelPath });
  const context = await model.createContext({
    threads,
    sequences: concurrency,
    contextSize: Math.min(model.trainContextSize, 4096),
  });
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  const chatWrapper =
    typeof template === "string" && template.length > 0
      ? resolveChatWrapper(model)
      : new GeneralChatWrapper();
  const free: LlamaContextSequence[] = Array.from({ length: concurrency }, () => context.getSequence());

  async function generate(): Promise<Run> {
    const sequence = free.pop();
    if (!sequence) throw new Error("no free sequence");
    const started = performance.now();
    let firstText: number | undefined;
    const before = sequence.tokenMeter.usedOutputTokens;
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false });
    try {
      const history: ChatHistoryItem[] = [
        { type: "user", text: prompt },
        { type: "model", response: [] },
      ];
      await chat.generateResponse(history, {
        maxTokens,
        temperature: 0,
        seed,
        repeatPenalty: false,
        onTextChunk: () => {
          firstText ??= performance.now();
        },
      });
      const ended = performance.now();
      return {
        ttftMs: (firstText ?? ended) - started,
        totalMs: ended - started,
        tokens: sequence.tokenMeter.usedOutputTokens - before,
      };
    } finally {
      chat.dispose({ disposeSequence: false });
      free.push(sequence);
    }
  }

  return { generate, close: () => llama.dispose() };
}

/** One streamed completion through Nexus, timed at the client. */
async function generateThroughNexus(url: string, key: string, model: string): Promise<Run> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: prompt }],
      max_tokens: maxTokens,
      temperature: 0,
      seed,
    }),
  });
  if (!response.ok || !response.body)
    throw new Error(`Nexus answered ${response.status}: ${await response.text()}`);
  let firstText: number | undefined;
  let tokens: number | undefined;
  let buffered = "";
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffered += decoder.decode(read.value, { stream: true });
    let boundary = buffered.indexOf("\n\n");
    while (boundary !== -1) {
      const event = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      boundary = buffered.indexOf("\n\n");
      const data = event.replace(/^data: /, "");
      if (data === "[DONE]") continue;
      const chunk = JSON.parse(data) as {
        choices: Array<{ delta?: { content?: string | null } }>;
        usage?: { completion_tokens: number } | null;
      };
      if (chunk.choices[0]?.delta?.content) firstText ??= performance.now();
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
  }
  const ended = performance.now();
  if (tokens === undefined) throw new Error("Nexus sent no usage chunk");
  return { ttftMs: (firstText ?? ended) - started, totalMs: ended - started, tokens };
}

/** `concurrency` requests at once; aggregate tokens/s over the wall time of the batch. */
async function batch(generate: () => Promise<Run>, count: number) {
  const started = performance.now();
  const runs = await Promise.all(Array.from({ length: count }, generate));
  const wallMs = performance.now() - started;
  const tokens = runs.reduce((sum, run) => sum + run.tokens, 0);
  return { tokensPerSecond: (tokens / wallMs) * 1000, ttftMs: median(runs.map((run) => run.ttftMs)), tokens };
}

const tokensPerSecond = (run: Run) => (run.tokens / run.totalMs) * 1000;
const fixed = (value: number, digits = 1) => value.toFixed(digits);

try {
  console.error(`model ${modelPath}, max_tokens ${maxTokens}, ${rounds} rounds, threads ${threads}`);
  const direct = await openDirect();
  const nexus = await startNexusServer({
    NEXUS_MODELS_DIR: path.dirname(modelPath),
    NEXUS_LOG_LEVEL: "warn",
    NEXUS_DISCOVERY_PORTS: "off",
  });
  const model = `local/${path.basename(modelPath).replace(/\.gguf$/i, "")}`;
  const viaNexus = () => generateThroughNexus(nexus.url, nexus.key, model);

  // Warm-up: both load the model and fill their caches once.
  await direct.generate();
  await viaNexus();

  const single = { direct: [] as Run[], nexus: [] as Run[] };
  const parallel = {
    direct: [] as Array<Awaited<ReturnType<typeof batch>>>,
    nexus: [] as Array<Awaited<ReturnType<typeof batch>>>,
  };
  for (let round = 0; round < rounds; round += 1) {
    // Alternate which goes first so drift on a shared machine hits both alike.
    const order = round % 2 === 0 ? (["direct", "nexus"] as const) : (["nexus", "direct"] as const);
    for (const target of order)
      single[target].push(await (target === "direct" ? direct.generate() : viaNexus()));
    for (const target of order) {
      parallel[target].push(await batch(target === "direct" ? direct.generate : viaNexus, concurrency));
    }
  }

  const summary = (name: "direct" | "nexus") => ({
    singleTokensPerSecond: median(single[name].map(tokensPerSecond)),
    singleTtftMs: median(single[name].map((run) => run.ttftMs)),
    singleTokens: median(single[name].map((run) => run.tokens)),
    parallelTokensPerSecond: median(parallel[name].map((result) => result.tokensPerSecond)),
    parallelTtftMs: median(parallel[name].map((result) => result.ttftMs)),
  });
  const results = { direct: summary("direct"), nexus: summary("nexus") };
  const ratio = results.nexus.singleTokensPerSecond / results.direct.singleTokensPerSecond;
  const parallelRatio = results.nexus.parallelTokensPerSecond / results.direct.parallelTokensPerSecond;
  const scaling = (name: "direct" | "nexus") =>
    results[name].parallelTokensPerSecond / results[name].singleTokensPerSecond;

  console.log(
    `\nLocal inference: ${path.basename(modelPath)}, ${results.direct.singleTokens} tokens per answer (max ${maxTokens}), median of ${rounds} rounds, ${os.cpus().length} cores${canPin ? " (Nexus on core 1, direct + client on core 0)" : ""}\n`,
  );
  console.log(
    "| target | 1 request tok/s | TTFT ms | 4 concurrent tok/s (aggregate) | TTFT ms at 4 | 4 conc. / 1 |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const name of ["direct", "nexus"] as const) {
    const row = results[name];
    console.log(
      `| ${name} | ${fixed(row.singleTokensPerSecond)} | ${fixed(row.singleTtftMs)} | ${fixed(row.parallelTokensPerSecond)} | ${fixed(row.parallelTtftMs)} | ${fixed(scaling(name), 2)}x |`,
    );
  }
  console.log(
    `\nNexus / direct: ${fixed(ratio * 100)}% at 1 request (target ≥ 95%: ${ratio >= 0.95 ? "met" : "NOT met"}), ${fixed(parallelRatio * 100)}% at 4 concurrent`,
  );
  console.log(
    `4 concurrent / 1 request through Nexus: ${fixed(scaling("nexus"), 2)}x (target ≥ 2x: ${scaling("nexus") >= 2 ? "met" : "NOT met"}); direct: ${fixed(scaling("direct"), 2)}x`,
  );
  console.log(
    `TTFT added by Nexus at 1 request: ${fixed(results.nexus.singleTtftMs - results.direct.singleTtftMs)} ms`,
  );
  await direct.close();
} finally {
  cleanup();
}
