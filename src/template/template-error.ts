// Errors as the template layer reports them: located values for callers, and the two internal
// exceptions the evaluator uses to unwind (one already located, one located by whoever catches it).

/** A problem with a template, located by character offset into its source. */
export interface TemplateError {
  readonly message: string;
  /** Character offset into the template source, within [0, source.length]. */
  readonly offset: number;
  /** Characters the problem spans from `offset` (0 when it points between characters). */
  readonly length: number;
}

/** Thrown inside the parser and evaluator with a location; turned into a TemplateError at the API boundary. */
export class TemplateFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length: number,
  ) {
    super(message);
    this.name = 'TemplateFailure';
  }

  toError(sourceLength: number): TemplateError {
    const offset = Math.max(0, Math.min(this.offset, sourceLength));
    const length = Math.max(0, Math.min(this.length, sourceLength - offset));
    return { message: this.message, offset, length };
  }
}

/** Thrown by value helpers and functions that do not know where they were called from. */
export class ValueFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueFailure';
  }
}
