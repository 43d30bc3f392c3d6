#!/usr/bin/env node
// Nexus runs its TypeScript sources directly; tsx compiles them on load (and caches).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
