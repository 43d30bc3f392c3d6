import { defineConfig } from "vite";

// One self-contained script, no framework: a host page pays only for the bubble.
export default defineConfig({
  build: {
    lib: {
      entry: "src/nexus-widget.ts",
      name: "NexusWidget",
      formats: ["iife"],
      fileName: () => "nexus-widget.js",
    },
    outDir: "dist",
    emptyOutDir: true,
  },
});
