import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the page with hot reload and forwards API calls to a running `nexus start`,
// so the session cookie stays same-origin as it is in production.
const serverUrl = process.env.NEXUS_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": serverUrl,
      "/healthz": serverUrl,
      "/readyz": serverUrl,
      "/v1": serverUrl,
    },
  },
});
