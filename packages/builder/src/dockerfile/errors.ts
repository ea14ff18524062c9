/**
 * A Dockerfile that Docker 20.10 refuses. `message` is Docker's own words
 * (`dockerfile parse error line 3: unknown instruction: RUNN`); `reason` is
 * the part after Docker's prefix; `line` is the 1-based line of the
 * instruction at fault, when Docker knows it (also where Docker's words do
 * not name it, e.g. `failed to parse Dockerfile: ENV must have two arguments`).
 */
export class DockerfileParseError extends Error {
  override readonly name = 'DockerfileParseError';
  constructor(
    message: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** An error from one instruction: Docker prefixes it with the line. */
export function instructionError(reason: string, line: number): DockerfileParseError {
  return new DockerfileParseError(`dockerfile parse error line ${line}: ${reason}`, reason, line);
}

/** An error from reading the file's lines (directives, JSON, ENV/LABEL pairs): Docker names the file, not the line. */
export function fileError(reason: string, fileName: string, line?: number): DockerfileParseError {
  return new DockerfileParseError(`failed to parse ${fileName}: ${reason}`, reason, line);
}
