// Variable expansion at dispatch, on exactly the instructions and fields that
// Docker 20.10's classic builder expands: ADD/COPY (sources, dest, --chown,
// --chmod; not COPY --from), ENV and LABEL (names and values), ARG (names and
// defaults), EXPOSE (one word may become several), FROM (image and
// --platform, with the meta ARGs only), STOPSIGNAL, USER, VOLUME, WORKDIR.
// RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD and MAINTAINER stay as
// written (the shell expands RUN's at run time).

import { processWord, processWords, type Lookup } from './shell-lexer.js';
import type { FromInstruction, Instruction, KeyValue } from './types.js';

export { ExpansionError, envLookup, processWord, processWords, type Lookup } from './shell-lexer.js';

function pairs(list: KeyValue[], word: (w: string) => string): KeyValue[] {
  return list.map(({ key, value }) => ({ key: word(key), value: word(value) }));
}

/**
 * The instruction with its words expanded against `lookup` (the ENV and ARG
 * values in effect: see BuildArgs.lookup), quotes and escapes removed; the
 * others returned as they are. Throws ExpansionError with Docker's words.
 */
export function expandInstruction<T extends Instruction | FromInstruction>(
  instruction: T,
  lookup: Lookup,
  escapeToken: '\\' | '`' = '\\',
): T {
  const word = (w: string) => processWord(w, lookup, escapeToken);
  const optional = (w: string | undefined) => (w === undefined ? undefined : word(w));
  const i = instruction as Instruction | FromInstruction;
  switch (i.kind) {
    case 'ADD':
    case 'COPY': {
      const out = { ...i, sources: i.sources.map(word), dest: word(i.dest) };
      if (i.chown !== undefined) out.chown = word(i.chown);
      if (i.chmod !== undefined) out.chmod = word(i.chmod);
      return out as T;
    }
    case 'ENV':
      return { ...i, pairs: pairs(i.pairs, word) } as T;
    case 'LABEL':
      return (i.noExpand ? i : { ...i, pairs: pairs(i.pairs, word) }) as T;
    case 'ARG':
      return {
        ...i,
        args: i.args.map((a) => {
          const defaultValue = optional(a.defaultValue);
          return { name: word(a.name), ...(defaultValue !== undefined && { defaultValue }) };
        }),
      } as T;
    case 'EXPOSE':
      return { ...i, ports: i.ports.flatMap((p) => processWords(p, lookup, escapeToken)) } as T;
    case 'FROM': {
      const out = { ...i, image: word(i.image) };
      if (i.platform !== undefined) out.platform = word(i.platform);
      return out as T;
    }
    case 'STOPSIGNAL':
      return { ...i, signal: word(i.signal) } as T;
    case 'USER':
      return { ...i, user: word(i.user) } as T;
    case 'VOLUME':
      return { ...i, paths: i.paths.map(word) } as T;
    case 'WORKDIR':
      return { ...i, path: word(i.path) } as T;
    default:
      return instruction;
  }
}
