import { freshStoreOptions } from "../testing/test-databases.ts";
import { runStoreContract } from "./store.contract.ts";

runStoreContract("sqlite", () => freshStoreOptions("sqlite"));
runStoreContract("postgres", () => freshStoreOptions("postgres"));
