import { type FormEvent, useState } from "react";
import { messageOf } from "../api-client.ts";
import { browserApi } from "./browser-api.ts";

const stepTypes = ["goto", "act", "extract", "observe", "agent"] as const;

/** Steps written one per line as `type: text` (`act: click Log in`, `goto: https://…`). */
export function parseSteps(text: string): Array<Record<string, string>> {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line, index) => {
      const match = /^(\w+)\s*:\s*(.+)$/.exec(line);
      const type = match?.[1]?.toLowerCase() as (typeof stepTypes)[number] | undefined;
      if (!match?.[2] || !type || !stepTypes.includes(type)) {
        throw new Error(`Line ${index + 1}: write "${stepTypes.join(" | ")}: text"`);
      }
      const field = type === "goto" ? "url" : type === "agent" ? "goal" : "instruction";
      return { type, [field]: match[2] };
    });
}

/** A new task: name, start URL, steps one per line; variables are the `%name%` the steps use. */
export function BrowserTaskForm({ onCreated }: { onCreated: (id: string) => void }) {
  const [name, setName] = useState("");
  const [startUrl, setStartUrl] = useState("");
  const [steps, setSteps] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const parsed = parseSteps(steps);
      const variables = [
        ...new Set([...steps.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)].map((match) => match[1] as string)),
      ];
      const task = await browserApi.create({ name, definition: { startUrl, variables, steps: parsed } });
      onCreated(task.id);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <form className="bt-form" onSubmit={submit} aria-label="New task">
      <label>
        Name <input required value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        Start URL{" "}
        <input required type="url" value={startUrl} onChange={(event) => setStartUrl(event.target.value)} />
      </label>
      <label>
        Steps, one per line
        <textarea
          required
          rows={5}
          placeholder={
            "act: type %password% into the password field\nact: click Log in\nextract: the account balance"
          }
          value={steps}
          onChange={(event) => setSteps(event.target.value)}
        />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit">Save task</button>
    </form>
  );
}
