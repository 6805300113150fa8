// Values filed under string keys, for finding every value whose key is a prefix of (PrefixIndex) or occurs in
// (SubstringIndex) a given text: what keeps the search for covering subjects near-linear in the number of subjects.
// One map lookup per distinct key length (and position), so nothing per character of every key is kept alive.

/** Values filed under string keys, with the distinct key lengths: what both indexes probe by. */
abstract class KeyedValues<T> {
  protected readonly byKey = new Map<string, T[]>();
  /** The distinct key lengths, ascending. */
  // Stryker disable next-line ArrayDeclaration: a non-number length probes the empty key, which no subject has
  protected lengths: number[] = [];

  /** Files `value` under `key`. */
  public add(key: string, value: T): void {
    const values = this.byKey.get(key);
    if (values) {
      values.push(value);
      return;
    }
    this.byKey.set(key, [value]);
    // Stryker disable next-line ConditionalExpression: a repeated length only repeats lookups (performance, not meaning)
    if (!this.lengths.includes(key.length)) this.lengths = [...this.lengths, key.length].sort((a, b) => a - b);
  }

  /** The values filed under exactly `key`. */
  public get(key: string): readonly T[] | undefined {
    return this.byKey.get(key);
  }
}

/** Values filed under string keys, found by any text that starts with their key. */
export class PrefixIndex<T> extends KeyedValues<T> {
  /** Every value whose key is a prefix of `text` (the empty key included), with its key's length, shortest key first. */
  public *prefixesOf(text: string): Generator<[number, T]> {
    for (const length of this.lengths) {
      // Stryker disable next-line ConditionalExpression: longer keys cannot be prefixes; probing them finds nothing new
      if (length > text.length) return;
      for (const value of this.byKey.get(text.slice(0, length)) ?? []) yield [length, value];
    }
  }
}

/** Values filed under string keys, found by any text that contains their key. */
export class SubstringIndex<T> extends KeyedValues<T> {
  /** Every value whose key occurs in `text` at `from` or after (the empty key included), each once. */
  public within(text: string, from = 0): readonly T[] {
    const unkeyed = this.byKey.get('') ?? [];
    // Most buckets hold patterns without inner text only (a group's `*`): nothing to search for.
    // Stryker disable next-line ConditionalExpression: a shortcut; the probes below find the same values
    if (this.byKey.size === (unkeyed.length > 0 ? 1 : 0)) return unkeyed;
    const found = new Set<T>(unkeyed);
    for (const length of this.lengths) {
      // Stryker disable next-line ConditionalExpression: a shortcut; a key longer than the text is never found in it
      if (length > text.length) break;
      // Stryker disable next-line ConditionalExpression: a shortcut; probing the empty key finds the values already found
      if (length === 0) continue;
      // Stryker disable next-line ArithmeticOperator: probing past the end finds shorter text, whose keys their own length finds
      for (let start = from; start + length <= text.length; start++) {
        for (const value of this.byKey.get(text.slice(start, start + length)) ?? []) found.add(value);
      }
    }
    return [...found];
  }
}

/**
 * Values filed under two keys: a prefix key, which must start a text, and an inner key, which must occur in it. The
 * prefix narrows first (one bucket per prefix key), then the inner key within the bucket: values that share a prefix
 * (patterns under one group) are told apart by their inner keys, and values that share an inner key (`:ref:v` of
 * every tag pattern) by their prefixes.
 */
export class PrefixSubstringIndex<T> {
  private readonly byPrefix = new PrefixIndex<SubstringIndex<T>>();

  /** Files `value` under its prefix key and its inner key ('' for none). */
  public add(prefix: string, inner: string, value: T): void {
    let bucket = this.byPrefix.get(prefix)?.[0];
    if (!bucket) {
      bucket = new SubstringIndex<T>();
      this.byPrefix.add(prefix, bucket);
    }
    bucket.add(inner, value);
  }

  /**
   * Every value whose prefix key starts `text` and whose inner key occurs in it after that prefix (a pattern's inner
   * text follows its first wildcard, which follows its prefix: where it covers a text, its inner text is past that).
   */
  public *candidatesFor(text: string): Generator<T> {
    for (const [prefixLength, bucket] of this.byPrefix.prefixesOf(text)) yield* bucket.within(text, prefixLength);
  }
}
