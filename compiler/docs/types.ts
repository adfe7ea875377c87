/**
 * Contract of `syncspec docs`: each source of reference documentation (the kind schemas, the CEL
 * library, …) is one generator that owns one folder under `docs/reference/` and renders its pages
 * from the same data the compiler uses, so the docs cannot drift from what is enforced.
 */

/** One generated file: a path relative to the repository root (forward slashes) and its full text. */
export interface DocFile {
  path: string;
  content: string;
}

export interface DocGenerator {
  /** Short name shown by `syncspec docs` (e.g. `spec`). */
  readonly name: string;
  /**
   * Folder, relative to the repository root, whose Markdown files this generator owns: `syncspec docs`
   * deletes `.md` files there that the generator no longer produces, and `--check` reports them.
   */
  readonly outDir: string;
  /** Renders every page from the sources under `root`. Pure: same inputs, same bytes. */
  generate(root: string): DocFile[];
}
