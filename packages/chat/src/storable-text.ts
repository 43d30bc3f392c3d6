import { z } from "zod";

const nul = String.fromCharCode(0);

/**
 * PostgreSQL text cannot hold NUL (U+0000) while SQLite can; user input with one is refused on
 * both, so the API answers alike (a 400, not a database error), and imported text drops them.
 */
export const storableString = () =>
  z.string().refine((text) => !text.includes(nul), "must not contain NUL characters");

/** Imported text with any NUL characters removed. */
export const withoutNul = (text: string): string => (text.includes(nul) ? text.replaceAll(nul, "") : text);
