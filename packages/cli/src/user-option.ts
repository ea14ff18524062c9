/** Above it an id reads as -1 ("leave unchanged") to the kernel: the container would stay root. */
const MAX_ID = 2147483647;

/**
 * Checks `-u user[:group]` before anything is created: a numeric uid or gid
 * must be in 0-2147483647 (names resolve in the container at start). Returns
 * Docker's message for a bad value, or null.
 */
export function userOptionProblem(user: string): string | null {
  const parts = user.split(':');
  if (parts.length > 2) return `invalid user "${user}": expected <name|uid>[:<group|gid>]`;
  for (const part of parts) {
    if (/^-?\d+$/.test(part) && (part.startsWith('-') || Number(part) > MAX_ID)) return `uids and gids must be in range 0-${MAX_ID}`;
  }
  return null;
}
