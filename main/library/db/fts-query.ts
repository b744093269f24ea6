/**
 * Turns what a person typed into an FTS5 MATCH expression that cannot be a syntax error or an operator: every word
 * becomes a double-quoted string (FTS5's literal form), so `OR`, `NEAR(`, `*`, `^`, `:` and parentheses are plain
 * text. Words are ANDed. A balanced "quoted part" stays one phrase; an unbalanced quote is ignored. The last word
 * is a prefix query while it is still being typed (no trailing space), so results appear as the user types.
 */

/** Characters the unicode61 tokenizer keeps in tokens (letters, numbers, marks, private use); the rest separate. */
const TOKEN_CHAR = /[\p{L}\p{N}\p{M}\p{Co}]/u;

interface Part {
  words: string;
  phrase: boolean;
}

function splitParts(input: string): Part[] {
  const parts: Part[] = [];
  const quoteCount = [...input].filter((c) => c === '"').length;
  // With an odd count the last quote has no partner: treat it as a separator, keep the earlier pairs.
  const lastUnpaired = quoteCount % 2 === 1 ? input.lastIndexOf('"') : -1;
  let inPhrase = false;
  let current = '';
  const flush = (): void => {
    if (inPhrase) {
      parts.push({ words: current, phrase: true });
    } else {
      for (const w of current.split(/\s+/u)) if (w.length > 0) parts.push({ words: w, phrase: false });
    }
    current = '';
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '"' && i !== lastUnpaired) {
      flush();
      inPhrase = !inPhrase;
    } else {
      current += c === '"' ? ' ' : c;
    }
  }
  flush();
  return parts.filter((p) => TOKEN_CHAR.test(p.words));
}

export interface FtsQuery {
  /** The MATCH expression, or null when the input holds no searchable word (then there is nothing to search). */
  match: string | null;
  /** The words as they will be matched, for display ("searching for …"). */
  terms: string[];
}

export function buildFtsQuery(input: string): FtsQuery {
  const parts = splitParts(input);
  if (parts.length === 0) return { match: null, terms: [] };
  const endsOpen = !/[\s"]$/u.test(input);
  const quoted = parts.map((p, i) => {
    // Inside an FTS5 string the only special character is the quote itself, doubled to escape; splitParts already
    // removed quotes, the replace keeps this safe on its own.
    const literal = `"${p.words.trim().replace(/"/g, '""')}"`;
    const prefix = i === parts.length - 1 && endsOpen && !p.phrase;
    return prefix ? `${literal}*` : literal;
  });
  return { match: quoted.join(' AND '), terms: parts.map((p) => p.words.trim()) };
}
