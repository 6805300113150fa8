/** Which refs a subject admits, as the code that built it wrote them: what its warnings are decided on. */
export interface RefScope {
  /** Jobs of any branch or any tag (of the given type), including ones pushed later. */
  readonly anyRef: boolean;
  /** Only jobs of protected branches and tags (a `ref_protected:true` component). */
  readonly protectedOnly: boolean;
}
