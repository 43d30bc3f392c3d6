import { describe, expect, it } from "vitest";
import { evaluateArithmetic, formatArithmeticResult } from "./arithmetic-expression.ts";

describe("evaluateArithmetic", () => {
  it.each([
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["2 ^ 3 ^ 2", 512],
    ["2 ** 10", 1024],
    ["-2 ^ 2", -4],
    ["2 ^ -1", 0.5],
    ["10 % 4", 2],
    ["7 / 2", 3.5],
    ["--3", 3],
    [".5 + 1.5e1", 15.5],
    ["sqrt(16) + abs(-3)", 7],
    ["round(2.5) + round(-0.4)", 3],
    ["cos(0) + sin(0)", 1],
    ["log(e)", 1],
    ["2 * PI", 2 * Math.PI],
    ["  ( ( 4 ) )  ", 4],
  ])("%s = %d", (expression, expected) => {
    expect(evaluateArithmetic(expression)).toBeCloseTo(expected, 12);
  });

  it.each([
    ["", /empty/],
    ["1 +", /ends too early/],
    ["(1 + 2", /not closed/],
    ["1 + 2)", /unexpected '\)' at position 6/],
    ["2 $ 3", /unexpected '\$' at position 3/],
    ["1 / 0", /division by zero/],
    ["5 % (2 - 2)", /division by zero/],
    ["sqrt(-1)", /not a number/],
    ["10 ^ 400", /infinite/],
    ["process.exit(1)", /unexpected '\.' at position 8/],
    ["process(1)", /unknown name 'process'/],
    ["constructor", /unknown name 'constructor'/],
    ["toString(1)", /unknown name 'tostring'/],
    ["sqrt 4", /needs parentheses/],
    ["2 3", /unexpected number 3/],
    [`${"(".repeat(200)}1${")".repeat(200)}`, /nests deeper than 100/],
    [`${"-".repeat(500)}1`, /nests deeper than 100/],
    [`${"1+".repeat(600)}1`, /longer than 1000 characters/],
  ])("rejects %s", (expression, message) => {
    expect(() => evaluateArithmetic(expression)).toThrow(message);
  });

  it("formats results as people write them", () => {
    expect(formatArithmeticResult(evaluateArithmetic("0.1 + 0.2"))).toBe("0.3");
    expect(formatArithmeticResult(evaluateArithmetic("1 / 3"))).toBe("0.333333333333");
    expect(formatArithmeticResult(evaluateArithmetic("2 ^ 60"))).toBe("1152921504610000000");
  });
});
