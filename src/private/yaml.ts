// YAML scalars that every YAML 1.1 and 1.2 parser reads back verbatim, whatever the value holds.

/**
 * A YAML double-quoted scalar for `value`. Printable characters stay as they are; every other one is
 * written as an escape, so that no value can end the scalar or add a line to the document:
 * `"` and `\`, control characters, DEL and the C1 range, and the characters YAML 1.1 (which
 * GitLab's parser, Ruby's Psych, follows) reads as line breaks: U+0085, U+2028 and U+2029. A byte
 * order mark and the non-characters U+FFFE/U+FFFF are escaped too.
 *
 * Lone surrogates cannot be written in UTF-8 at all, so they are refused by the caller's validation
 * (see `yamlProblem`).
 */
export function yamlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (isPrintable(code)) out += char;
    else if (code <= 0x9f) out += `\\x${hex(code, 2)}`; // C0 controls, DEL and the C1 range
    else out += `\\u${hex(code, 4)}`;
  }
  return `${out}"`;
}

/** Why a value cannot be written as YAML text, if it cannot. */
export function yamlProblem(value: string): string | undefined {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)
    ? 'must not contain a lone UTF-16 surrogate (it has no UTF-8 form)'
    : undefined;
}

/** Characters a YAML 1.1 double-quoted scalar may hold as they are and that no parser reads as a break. */
function isPrintable(code: number): boolean {
  return (code >= 0x20 && code <= 0x7e)
    || (code >= 0xa0 && code <= 0xd7ff && code !== 0x2028 && code !== 0x2029)
    || (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff)
    || code >= 0x10000;
}

function hex(code: number, digits: number): string {
  return code.toString(16).toUpperCase().padStart(digits, '0');
}
