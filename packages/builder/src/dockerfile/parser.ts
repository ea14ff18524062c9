// parseDockerfile: a Dockerfile's text as Docker 20.10's classic builder reads
// it (moby/buildkit frontend/dockerfile parser + instructions, v0.8): the
// file-level pass (./lines.ts) first, so its errors win over any
// instruction's, then each instruction in order (./instructions.ts).

import { DockerfileParseError, instructionError } from './errors.js';
import { parseInstruction } from './instructions.js';
import { readLines } from './lines.js';
import type { ArgInstruction, Dockerfile, Stage } from './types.js';

export interface ParseOptions {
  /** The Dockerfile's name as the user gave it (`-f`), for Docker's `failed to parse <name>: …`. Default `Dockerfile`. */
  fileName?: string;
}

export function parseDockerfile(text: string, options: ParseOptions = {}): Dockerfile {
  const fileName = options.fileName ?? 'Dockerfile';
  if (text === '') {
    const reason = `the Dockerfile (${fileName}) cannot be empty`;
    throw new DockerfileParseError(reason, reason);
  }
  const read = readLines(text, fileName);
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  for (const node of read.nodes) {
    let instruction;
    try {
      instruction = parseInstruction(node);
    } catch (err) {
      throw instructionError((err as Error).message, node.startLine);
    }
    if (instruction.kind === 'FROM') {
      stages.push({ index: stages.length, from: instruction, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.kind !== 'ARG') {
        const reason = 'no build stage in current context';
        throw new DockerfileParseError(reason, reason, node.startLine);
      }
      metaArgs.push(instruction);
    } else {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  return {
    directives: { escape: read.escape, ...(read.syntax !== undefined && { syntax: read.syntax }) },
    metaArgs,
    stages,
    warnings: read.warnings,
  };
}
