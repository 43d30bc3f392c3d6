/**
 * The Porter (1980) stemming algorithm for English words, written from the paper's description.
 * FTS5's `porter` tokenizer implements the same algorithm, so terms stemmed here for the built-in
 * embedder and the IDF table agree with what the SQLite full-text index holds.
 */

const isVowelAt = (word: string, index: number): boolean => {
  const char = word[index];
  if (char === "a" || char === "e" || char === "i" || char === "o" || char === "u") return true;
  // 'y' is a vowel after a consonant.
  return char === "y" && index > 0 && !isVowelAt(word, index - 1);
};

/** m: the number of vowel-consonant sequences in `stem`. */
function measure(stem: string): number {
  let count = 0;
  let index = 0;
  while (index < stem.length && !isVowelAt(stem, index)) index++;
  while (index < stem.length) {
    while (index < stem.length && isVowelAt(stem, index)) index++;
    if (index >= stem.length) break;
    while (index < stem.length && !isVowelAt(stem, index)) index++;
    count++;
  }
  return count;
}

const hasVowel = (stem: string): boolean => [...stem].some((_, index) => isVowelAt(stem, index));

const endsWithDoubleConsonant = (word: string): boolean =>
  word.length >= 2 && word.at(-1) === word.at(-2) && !isVowelAt(word, word.length - 1);

/** *o: ends consonant-vowel-consonant, the last not w, x or y. */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n < 3) return false;
  if (isVowelAt(word, n - 1) || !isVowelAt(word, n - 2) || isVowelAt(word, n - 3)) return false;
  const last = word[n - 1];
  return last !== "w" && last !== "x" && last !== "y";
}

/** Replaces the first matching suffix when the remaining stem's measure passes `minimum`. */
function replaceSuffix(word: string, rules: Array<[string, string]>, minimum: number): string {
  for (const [suffix, replacement] of rules) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, -suffix.length);
    return measure(stem) > minimum ? stem + replacement : word;
  }
  return word;
}

const step2Rules: Array<[string, string]> = [
  ["ational", "ate"],
  ["tional", "tion"],
  ["enci", "ence"],
  ["anci", "ance"],
  ["izer", "ize"],
  ["bli", "ble"],
  ["alli", "al"],
  ["entli", "ent"],
  ["eli", "e"],
  ["ousli", "ous"],
  ["ization", "ize"],
  ["ation", "ate"],
  ["ator", "ate"],
  ["alism", "al"],
  ["iveness", "ive"],
  ["fulness", "ful"],
  ["ousness", "ous"],
  ["aliti", "al"],
  ["iviti", "ive"],
  ["biliti", "ble"],
  ["logi", "log"],
];

const step3Rules: Array<[string, string]> = [
  ["icate", "ic"],
  ["ative", ""],
  ["alize", "al"],
  ["iciti", "ic"],
  ["ical", "ic"],
  ["ful", ""],
  ["ness", ""],
];

const step4Suffixes = [
  "al",
  "ance",
  "ence",
  "er",
  "ic",
  "able",
  "ible",
  "ant",
  "ement",
  "ment",
  "ent",
  "ion",
  "ou",
  "ism",
  "ate",
  "iti",
  "ous",
  "ive",
  "ize",
];

function step1(word: string): string {
  let result = word;
  if (result.endsWith("sses")) result = result.slice(0, -2);
  else if (result.endsWith("ies")) result = result.slice(0, -2);
  else if (result.endsWith("ss")) {
    // unchanged
  } else if (result.endsWith("s")) result = result.slice(0, -1);

  let removedEdOrIng = false;
  if (result.endsWith("eed")) {
    if (measure(result.slice(0, -3)) > 0) result = result.slice(0, -1);
  } else if (result.endsWith("ed") && hasVowel(result.slice(0, -2))) {
    result = result.slice(0, -2);
    removedEdOrIng = true;
  } else if (result.endsWith("ing") && hasVowel(result.slice(0, -3))) {
    result = result.slice(0, -3);
    removedEdOrIng = true;
  }
  if (removedEdOrIng) {
    if (result.endsWith("at") || result.endsWith("bl") || result.endsWith("iz")) result += "e";
    else if (endsWithDoubleConsonant(result) && !/[lsz]$/.test(result)) result = result.slice(0, -1);
    else if (measure(result) === 1 && endsCvc(result)) result += "e";
  }
  if (result.endsWith("y") && hasVowel(result.slice(0, -1))) result = `${result.slice(0, -1)}i`;
  return result;
}

function step4(word: string): string {
  for (const suffix of step4Suffixes) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, -suffix.length);
    if (measure(stem) <= 1) return word;
    if (suffix === "ion" && !/[st]$/.test(stem)) return word;
    return stem;
  }
  return word;
}

function step5(word: string): string {
  let result = word;
  if (result.endsWith("e")) {
    const stem = result.slice(0, -1);
    const m = measure(stem);
    if (m > 1 || (m === 1 && !endsCvc(stem))) result = stem;
  }
  if (measure(result) > 1 && endsWithDoubleConsonant(result) && result.endsWith("l"))
    result = result.slice(0, -1);
  return result;
}

/** The stem of a lower-case English word; words of one or two letters are returned as they are. */
export function porterStem(word: string): string {
  if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
  let result = step1(word);
  result = replaceSuffix(result, step2Rules, 0);
  result = replaceSuffix(result, step3Rules, 0);
  result = step4(result);
  return step5(result);
}
