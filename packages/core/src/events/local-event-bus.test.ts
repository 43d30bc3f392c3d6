import { describe } from "vitest";
import { runEventBusContract } from "./event-bus.contract.ts";
import { createLocalEventBus } from "./local-event-bus.ts";

describe("local event bus", () => {
  runEventBusContract("local", {
    create: async ({ onListenerError }) => createLocalEventBus({ onListenerError }),
  });
});
