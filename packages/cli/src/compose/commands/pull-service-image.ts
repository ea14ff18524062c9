// docker-compose's pull of one service's image: "Pulling web ... done". The
// daemon's statuses that 1.29's `pull` prints between ("Pulling web ...
// pulling from …", "… already exists") are left out.
import type { Connection } from '../../connection.js';
import { pullImage, PullError } from '../../commands/pull.js';
import { ComposeError } from '../compose-error.js';
import type { ProgressLines } from '../progress-lines.js';

/** A service whose image could not be pulled: "for web  <the daemon's words>". */
export class ServicePullError extends ComposeError {
  constructor(
    readonly service: string,
    readonly cliMessage: string,
  ) {
    super(`for ${service}  ${cliMessage}`);
  }

  /** The daemon's own message, as docker-compose prints it (without the docker CLI's "Error response from daemon: "). */
  get daemonMessage(): string {
    return this.cliMessage.replace(/^Error response from daemon: /, '');
  }
}

export function servicePuller(conn: Connection, progress: ProgressLines) {
  return (image: string | undefined, service: string, batch: string[] = [service]) =>
    progress.step(
      'Pulling',
      service,
      async () => {
        if (!image) return;
        try {
          await pullImage(conn, image, { out: nullStream, quiet: true, fullName: false });
        } catch (err) {
          if (err instanceof PullError) throw new ServicePullError(service, err.message);
          throw err;
        }
      },
      batch,
    );
}

const nullStream = { write: () => true } as unknown as NodeJS.WritableStream;
