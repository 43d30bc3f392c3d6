import { useCallback, useEffect, useState } from "react";

export type ThemePreference = "system" | "light" | "dark";
const storageKey = "nexus.theme";

export function storedTheme(): ThemePreference {
  const value = localStorage.getItem(storageKey);
  return value === "light" || value === "dark" ? value : "system";
}

/** Sets the page's colors: `data-theme` wins over the system's `prefers-color-scheme`. */
export function applyTheme(preference: ThemePreference): void {
  if (preference === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = preference;
}

/** The light/dark choice, kept in this browser. */
export function useTheme(): [ThemePreference, (preference: ThemePreference) => void] {
  const [preference, setPreference] = useState<ThemePreference>(storedTheme);
  useEffect(() => applyTheme(preference), [preference]);
  const choose = useCallback((next: ThemePreference) => {
    if (next === "system") localStorage.removeItem(storageKey);
    else localStorage.setItem(storageKey, next);
    setPreference(next);
  }, []);
  return [preference, choose];
}

/** What the page looks like now, whichever way it was chosen. */
export function effectiveTheme(preference: ThemePreference): "light" | "dark" {
  if (preference !== "system") return preference;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}
