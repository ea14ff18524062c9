import { main } from './main.js';

// Exit as soon as the command is done: a detached container's process must not hold ce-runc.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`ce-runc: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
