/** A build failure with Docker's words: what the client prints after "…failed: " or alone. */
export class BuildError extends Error {
  constructor(
    message: string,
    /** The exit code to report (a failing RUN's), when there is one. */
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = 'BuildError';
  }
}
