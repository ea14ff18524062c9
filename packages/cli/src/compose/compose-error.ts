/** A problem with the project's files or the command's arguments: docker-compose prints it and exits 1. */
export class ComposeError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
