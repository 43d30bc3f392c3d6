import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";
import { applyTheme, storedTheme } from "./shell/use-theme.ts";
import "./styles.css";
import "./app-shell.css";
import "./chat.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

// Before the first paint, so a dark-theme choice never flashes light.
applyTheme(storedTheme());

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
