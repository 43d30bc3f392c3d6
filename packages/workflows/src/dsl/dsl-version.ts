/** The newest Dify DSL version Nexus reads and the one it writes. */
export const newestDslVersion = "0.5.0";

/** Why a DSL version cannot be read, or undefined when it can (0.1.0 up to 0.5.x). */
export function unreadableVersionReason(version: string | undefined): string | undefined {
  if (version === undefined) return undefined;
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) return `DSL version '${version}' is not a version number`;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major > 0 || minor > 5) {
    return `DSL version ${version} is newer than the newest Nexus reads (${newestDslVersion})`;
  }
  if (minor < 1) return `DSL version ${version} is older than the oldest Nexus reads (0.1.0)`;
  return undefined;
}
