import type { ThemePreference } from "../shell/use-theme.ts";

const choices: Array<{ value: ThemePreference; label: string }> = [
  { value: "system", label: "Like the system" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

/** Light or dark, or whatever the system prefers; remembered in this browser. */
export function AppearancePanel({
  theme,
  onChange,
}: {
  theme: ThemePreference;
  onChange: (theme: ThemePreference) => void;
}) {
  return (
    <section className="panel" aria-labelledby="appearance-title">
      <h2 id="appearance-title">Appearance</h2>
      <fieldset className="theme-choices">
        <legend>Theme</legend>
        {choices.map((choice) => (
          <label key={choice.value} className="checkbox">
            <input
              type="radio"
              name="theme"
              value={choice.value}
              checked={theme === choice.value}
              onChange={() => onChange(choice.value)}
            />
            {choice.label}
          </label>
        ))}
      </fieldset>
    </section>
  );
}
