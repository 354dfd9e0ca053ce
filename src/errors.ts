// The few error classes netgen knows. One top-level catch (cli.ts) turns them
// into exit codes and readable messages; a user mistake never shows a stack.

/** Where a problem is in the inventory: a path of keys/indexes into the document. */
export type DocPath = readonly (string | number)[];

export interface Problem {
  path: DocPath;
  /** Point at the key of the last path element instead of its value. */
  at?: "key" | "value";
  message: string;
  /** What to do about it. */
  hint?: string;
}

/** A problem with its position resolved against the inventory text. */
export interface LocatedProblem extends Problem {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  sourceLine: string;
}

/** A mistake of the user's: printed as is, exit code `code`. */
export class ExitError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

/** An inventory that does not load or validate: every problem at once. */
export class InventoryError extends ExitError {
  constructor(readonly problems: LocatedProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? "" : "s"} in the inventory`, 1);
  }
}

/** A host that answered but could not do what was asked (exit 2, as a failed host in push). */
export class HostFailed extends ExitError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** netgen's own bug: printed with a stack and a request to report it. */
export class InternalError extends Error {}
