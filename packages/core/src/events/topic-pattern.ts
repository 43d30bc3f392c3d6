import { invalidRequest } from "../errors.ts";

/**
 * What a subscription listens to: one topic, or every topic starting with a prefix, written
 * with a trailing `*` (`workflow.run.*`; a lone `*` is every topic). `*` matches across dots,
 * as Redis PSUBSCRIBE does, so both buses deliver the same events.
 */
export type TopicPattern = { kind: "exact"; topic: string } | { kind: "prefix"; prefix: string };

export function parseTopicPattern(pattern: string): TopicPattern {
  const body = pattern.endsWith("*") ? pattern.slice(0, -1) : pattern;
  if (body.includes("*"))
    throw invalidRequest(`pattern '${pattern}' may only have '*' at its end`, "pattern");
  if (body === pattern) {
    assertValidTopic(pattern);
    return { kind: "exact", topic: pattern };
  }
  return { kind: "prefix", prefix: body };
}

export function assertValidTopic(topic: string): void {
  if (topic.length === 0) throw invalidRequest("topic must not be empty", "topic");
  if (topic.includes("*")) throw invalidRequest(`topic '${topic}' must not contain '*'`, "topic");
}

export function matchesTopic(pattern: TopicPattern, topic: string): boolean {
  return pattern.kind === "exact" ? pattern.topic === topic : topic.startsWith(pattern.prefix);
}
