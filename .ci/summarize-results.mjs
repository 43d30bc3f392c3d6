// Prints "N passed, N failed" (and skipped, when any) from Vitest's JSON report.
import fs from "node:fs";

const file = process.argv[2] ?? ".vitest-results.json";
if (!fs.existsSync(file)) {
  console.error(`no test report at ${file}: the test run did not finish`);
  process.exit(1);
}
const report = JSON.parse(fs.readFileSync(file, "utf8"));
// A file that fails to load has no test results of its own; count it as one failure.
const brokenFiles = report.testResults.filter(
  (result) => result.status === "failed" && result.assertionResults.length === 0,
).length;
const failed = report.numFailedTests + brokenFiles;
const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
if (report.numTotalTests === 0) process.exit(1);
