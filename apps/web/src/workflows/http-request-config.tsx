import { TextArea, type Update } from "./form-fields.tsx";
import type { NodeData } from "./workflow-types.ts";

/** The HTTP request node: method, URL, headers and query lines, and a body. */
export function HttpFields({ data, update }: { data: NodeData; update: Update }) {
  const body = (data.body as { type: string; data: unknown }) ?? { type: "none", data: [] };
  const bodyText =
    typeof body.data === "string" ? body.data : String((body.data as { value?: string }[])?.[0]?.value ?? "");
  return (
    <>
      <label className="wf-field">
        Method
        <select
          value={String(data.method ?? "get").toLowerCase()}
          onChange={(event) => update({ method: event.target.value })}
        >
          {["get", "post", "put", "patch", "delete", "head"].map((method) => (
            <option key={method} value={method}>
              {method.toUpperCase()}
            </option>
          ))}
        </select>
      </label>
      <label className="wf-field">
        URL
        <input value={String(data.url ?? "")} onChange={(event) => update({ url: event.target.value })} />
      </label>
      <TextArea
        label="Headers (key: value per line)"
        value={String(data.headers ?? "")}
        onChange={(headers) => update({ headers })}
      />
      <TextArea
        label="Query parameters (key: value per line)"
        value={String(data.params ?? "")}
        onChange={(params) => update({ params })}
      />
      <label className="wf-field">
        Body
        <select
          value={body.type}
          onChange={(event) => update({ body: { ...body, type: event.target.value } })}
        >
          {["none", "json", "raw-text", "x-www-form-urlencoded", "form-data"].map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>
      </label>
      {body.type === "json" || body.type === "raw-text" ? (
        <TextArea
          label="Body text"
          code
          value={bodyText}
          onChange={(text) =>
            update({ body: { type: body.type, data: [{ type: "text", key: "", value: text }] } })
          }
        />
      ) : null}
    </>
  );
}
