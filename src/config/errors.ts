/**
 * An error a user can meet and act on. Its message is one line: what went wrong and what to do.
 * The CLI prints it without a stack trace and exits non-zero.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}
