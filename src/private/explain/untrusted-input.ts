// Limits on what the explain command reads from files and arguments, which may come from anyone (a token
// someone sends, a CloudTrail export, a policy): nesting deep enough to overflow a recursive reader is
// refused up front, and text printed to a terminal cannot carry control sequences.

/** How deep JSON input may nest: far beyond any policy, template or token, far below a stack overflow. */
export const MAX_JSON_DEPTH = 64;

/** Refuses a JSON value nested deeper than MAX_JSON_DEPTH, walking it without recursion; `what` names it. */
export function checkJsonDepth(value: unknown, what: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > MAX_JSON_DEPTH) throw new Error(`${what} must nest at most ${MAX_JSON_DEPTH} levels deep, got: more than ${MAX_JSON_DEPTH}`);
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
}

/**
 * Terminal control characters (C0 but the line break, DEL, C1, and the Unicode line separators and bidirectional
 * overrides, which reorder what a reader sees) as `\u` escapes: a claim or a CloudTrail message printed as it is
 * could retitle, clear or rewrite the terminal.
 */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text as it may be printed to a terminal: every control character escaped. Line breaks are kept only if `lines`. */
export function printable(text: string, lines = true): string {
  const escaped = text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return lines ? escaped : escaped.replace(/\n/g, '\\n');
}
