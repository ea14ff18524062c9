// The Dockerfile's words for `commit -c` and `import -c`, as Docker 20.10's
// BuildFromConfig reads them, over @ce/builder's Docker lexer: words are split
// first with their quotes and escapes kept (parseWords), then each is expanded
// against the config's Env, quotes and escapes removed (ProcessWord), with
// Docker's `failed to process "<word>": …` as an InvalidArgument.
import { envLookup, ExpansionError, parseWords, processWord as lexWord, processWords as lexWords } from '@ce/builder/dockerfile';
import { invalidArgument } from '@ce/protocol';

/** Splits on blanks outside quotes; quotes and escapes stay in the words. */
export const splitRawWords = (text: string): string[] => parseWords(text, '\\');

/** One word expanded against `env` ("K=V" entries), its quotes and escapes removed. */
export function processWord(word: string, env: readonly string[]): string {
  return expanding(() => lexWord(word, envLookup(env)));
}

/** A word expanded, then split on the blanks of the result (Docker's ProcessWords, for EXPOSE). */
export function processWords(word: string, env: readonly string[]): string[] {
  return expanding(() => lexWords(word, envLookup(env)));
}

function expanding<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ExpansionError) throw invalidArgument(err.message);
    throw err;
  }
}
