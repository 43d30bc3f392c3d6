import { type FormEvent, useState } from "react";
import { type Agent, type AgentFields, type AgentTool, agentTools } from "../chat-types.ts";

const toolLabels: Record<AgentTool, string> = {
  calculator: "Calculator",
  current_time: "Current time",
  fetch_page: "Fetch a web page (allow-listed sites)",
};

export const blankAgent: AgentFields = {
  name: "",
  avatar: "🤖",
  description: "",
  systemPrompt: "",
  model: "",
  params: {},
  openingMessage: "",
  suggestedQuestions: [],
  tools: [],
  knowledgeBases: [],
  fetchAllowedHosts: [],
};

export function fieldsOf(agent: Agent): AgentFields {
  const { id: _id, createdAt: _created, updatedAt: _updated, ...fields } = agent;
  return fields;
}

/** Every field of an agent; `onSubmit` gets them ready for `POST`/`PUT /api/agents`. */
export function AgentForm({
  initial,
  models,
  pending,
  onSubmit,
}: {
  initial: AgentFields;
  models: string[];
  pending: boolean;
  onSubmit: (fields: AgentFields) => void;
}) {
  const [fields, setFields] = useState<AgentFields>(initial);
  const [questions, setQuestions] = useState(initial.suggestedQuestions.join("\n"));
  const [fetchHosts, setFetchHosts] = useState((initial.fetchAllowedHosts ?? []).join("\n"));
  const [temperature, setTemperature] = useState(
    initial.params.temperature === undefined ? "" : String(initial.params.temperature),
  );
  const set = <Key extends keyof AgentFields>(key: Key, value: AgentFields[Key]) =>
    setFields((current) => ({ ...current, [key]: value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const params = { ...fields.params };
    if (temperature.trim() === "") delete params.temperature;
    else params.temperature = Number(temperature);
    onSubmit({
      ...fields,
      name: fields.name.trim(),
      model: fields.model.trim(),
      params,
      fetchAllowedHosts: fetchHosts
        .split(/[\s,]+/)
        .map((host) => host.trim())
        .filter((host) => host !== ""),
      suggestedQuestions: questions
        .split("\n")
        .map((question) => question.trim())
        .filter((question) => question !== ""),
    });
  }

  function toggleTool(tool: AgentTool, on: boolean) {
    set("tools", on ? [...fields.tools, tool] : fields.tools.filter((candidate) => candidate !== tool));
  }

  return (
    <form className="agent-form" onSubmit={submit}>
      <div className="form-row">
        <label className="avatar-field">
          Avatar
          <input
            value={fields.avatar}
            maxLength={16}
            onChange={(event) => set("avatar", event.target.value)}
          />
        </label>
        <label>
          Name
          <input
            required
            value={fields.name}
            maxLength={100}
            onChange={(event) => set("name", event.target.value)}
          />
        </label>
      </div>
      <label>
        Description
        <input
          value={fields.description}
          maxLength={500}
          onChange={(event) => set("description", event.target.value)}
        />
      </label>
      <label>
        System prompt
        <textarea
          rows={6}
          value={fields.systemPrompt}
          onChange={(event) => set("systemPrompt", event.target.value)}
          placeholder="You are a patient tutor who explains with small examples."
        />
      </label>
      <div className="form-row">
        <label>
          Model
          <input
            required
            list="agent-models"
            value={fields.model}
            onChange={(event) => set("model", event.target.value)}
            placeholder={models[0] ?? "an alias or provider/model"}
          />
          <datalist id="agent-models">
            {models.map((model) => (
              <option key={model} value={model} />
            ))}
          </datalist>
        </label>
        <label>
          Temperature
          <input
            type="number"
            min={0}
            max={2}
            step={0.1}
            value={temperature}
            placeholder="model default"
            onChange={(event) => setTemperature(event.target.value)}
          />
        </label>
      </div>
      <label>
        Opening message
        <textarea
          rows={3}
          value={fields.openingMessage}
          onChange={(event) => set("openingMessage", event.target.value)}
        />
      </label>
      <label>
        Suggested questions <span className="muted">(one per line)</span>
        <textarea rows={3} value={questions} onChange={(event) => setQuestions(event.target.value)} />
      </label>
      <fieldset className="tools-field">
        <legend>Tools</legend>
        {agentTools.map((tool) => (
          <label key={tool} className="checkbox">
            <input
              type="checkbox"
              checked={fields.tools.includes(tool)}
              onChange={(event) => toggleTool(tool, event.target.checked)}
            />
            {toolLabels[tool]}
          </label>
        ))}
        {fields.tools.includes("fetch_page") && (
          <label>
            Sites it may read <span className="muted">(one per line: example.com, *.example.com)</span>
            <textarea rows={2} value={fetchHosts} onChange={(event) => setFetchHosts(event.target.value)} />
          </label>
        )}
      </fieldset>
      <div>
        <button type="submit" disabled={pending || fields.name.trim() === "" || fields.model.trim() === ""}>
          {pending ? "Saving…" : "Save agent"}
        </button>
      </div>
    </form>
  );
}
