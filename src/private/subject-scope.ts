/** What a subject admits, as the code that built it wrote it: what its warnings are decided on. */
export interface SubjectScope {
  /** Jobs of any branch or any tag (of the given type), including ones pushed later. */
  readonly anyRef: boolean;
  /** Jobs of the branches or tags a ref pattern matches (`release/*`, `v*`), including ones pushed later. */
  readonly refPattern: boolean;
  /** Only jobs of protected branches and tags (a `ref_protected:true` component). */
  readonly protectedOnly: boolean;
  /** A raw subject whose project part is a pattern other than "every project of a group". */
  readonly projectWildcard: boolean;
}
