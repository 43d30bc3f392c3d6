import { characterTokens, estimateTextTokens } from "@nexus/core";

export const defaultSeparators = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " "];

/**
 * Splits text into pieces of at most `size` tokens: at the first separator that makes pieces
 * small enough, recursing with the next ones for pieces still too big, then packs neighbouring
 * pieces together up to `size`, repeating up to `overlap` tokens of the previous chunk.
 */
export function splitText(
  text: string,
  size: number,
  overlap: number,
  separators = defaultSeparators,
): string[] {
  const pieces = atoms(text, size, separators);
  const chunks: string[] = [];
  let current: string[] = [];
  let currentTokens = 0;
  for (const piece of pieces) {
    const tokens = estimateTextTokens(piece);
    if (currentTokens + tokens > size && current.length > 0) {
      chunks.push(current.join("").trim());
      const kept: string[] = [];
      let keptTokens = 0;
      for (let index = current.length - 1; index >= 0; index--) {
        const pieceTokens = estimateTextTokens(current[index] as string);
        if (keptTokens + pieceTokens > overlap) break;
        kept.unshift(current[index] as string);
        keptTokens += pieceTokens;
      }
      current = kept;
      currentTokens = keptTokens;
    }
    current.push(piece);
    currentTokens += tokens;
  }
  if (current.length > 0) chunks.push(current.join("").trim());
  return chunks.filter((chunk) => chunk.length > 0);
}

/** Pieces no bigger than `size`, each keeping its separator so joining them restores the text. */
function atoms(text: string, size: number, separators: string[]): string[] {
  if (estimateTextTokens(text) <= size) return [text];
  const [separator, ...rest] = separators;
  if (separator === undefined) {
    // No separator left: cut by estimated tokens, character by character (whole code points).
    const pieces: string[] = [];
    let piece = "";
    let tokens = 0;
    for (const character of text) {
      const cost = characterTokens(character);
      if (tokens + cost > size && piece) {
        pieces.push(piece);
        piece = "";
        tokens = 0;
      }
      piece += character;
      tokens += cost;
    }
    if (piece) pieces.push(piece);
    return pieces;
  }
  const parts = text.split(separator);
  if (parts.length === 1) return atoms(text, size, rest);
  return parts.flatMap((part, index) =>
    atoms(index < parts.length - 1 ? part + separator : part, size, rest),
  );
}
