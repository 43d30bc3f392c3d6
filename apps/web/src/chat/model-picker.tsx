/** Which model answers: any name the gateway lists for the workspace. */
export function ModelPicker({
  models,
  value,
  onChange,
}: {
  models: string[];
  value: string;
  onChange: (model: string) => void;
}) {
  const missing = value !== "" && !models.includes(value);
  return (
    <label className="model-picker">
      <span className="visually-hidden">Model</span>
      <select aria-label="Model" value={value} onChange={(event) => onChange(event.target.value)}>
        {value === "" && <option value="">Choose a model</option>}
        {missing && <option value={value}>{value} (not available)</option>}
        {models.map((model) => (
          <option key={model} value={model}>
            {model}
          </option>
        ))}
      </select>
    </label>
  );
}
