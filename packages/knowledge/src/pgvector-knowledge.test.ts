import { runKnowledgeContract } from "./knowledge.contract.ts";

runKnowledgeContract("pgvector");
