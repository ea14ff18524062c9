import { main } from './main.js';
import { writeFd } from './output.js';

// Exit as soon as the command is done: a detached container's process must not hold ce-runc.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    writeFd(2, `ce-runc: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
