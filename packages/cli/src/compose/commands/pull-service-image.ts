// docker-compose's pull of one service's image: "Pulling web ... done", the
// daemon's progress left out (1.29 without a terminal prints no bars either).
import type { Connection } from '../../connection.js';
import { pullImage, PullError } from '../../commands/pull.js';
import { ComposeError } from '../compose-error.js';
import type { ProgressLines } from '../progress-lines.js';

export function servicePuller(conn: Connection, progress: ProgressLines) {
  return (image: string, service: string) =>
    progress.step('Pulling', service, async () => {
      try {
        await pullImage(conn, image, { out: nullStream, quiet: true, fullName: false });
      } catch (err) {
        if (err instanceof PullError) throw new ComposeError(`for ${service}  ${err.message}`);
        throw err;
      }
    });
}

const nullStream = { write: () => true } as unknown as NodeJS.WritableStream;
