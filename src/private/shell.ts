// Shell words for the POSIX shell commands the generated jobs run.

/** A shell word that stands for the text exactly: single-quoted, each quote written as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
