/**
 * Tokens of a text, estimated without a tokenizer: about four characters each, as subword
 * tokenizers count English, but one per Han, kana, Hangul or CJK punctuation character (those
 * tokenizers spend one or more tokens on each; at four characters a token a "400-token" Chinese
 * chunk was ~1,600 tokens, past the context of small embedding models). The gateway answers
 * `tokenize` with this (`exact: false`) for models no deployment can tokenize; the knowledge
 * chunkers cut by it before ingestion counts each chunk with the model's own tokenizer.
 *
 * @example
 * estimateTextTokens("wing flutter"); // 3
 * estimateTextTokens("机翼颤振试验"); // 6
 */
export function estimateTextTokens(text: string): number {
  const wide = text.match(wideCharacters)?.length ?? 0;
  return Math.ceil((text.length - wide) / 4) + wide;
}

const wideClass =
  "[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u3000-\\u303f\\uff00-\\uffef]";
const wideCharacters = new RegExp(wideClass, "gu");
const wideCharacter = new RegExp(wideClass, "u");

/** One character's share of `estimateTextTokens`: 1 for Han, kana, Hangul and CJK punctuation, else a quarter. */
export const characterTokens = (character: string) => (wideCharacter.test(character) ? 1 : 0.25);
