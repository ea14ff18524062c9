// An ONBUILD trigger of a base image (its config's OnBuild), parsed as
// Docker 20.10's classic builder parses it when a FROM line reaches that
// image: alone, with the default escape character; errors are Docker's bare
// words (`unknown instruction: RUNN`), without a line.

import { DockerfileParseError } from './errors.js';
import { parseInstruction } from './instructions.js';
import { readLines } from './lines.js';
import type { Instruction } from './types.js';

export function parseOnbuildTrigger(trigger: string): Instruction {
  const bare = (reason: string) => new DockerfileParseError(reason, reason);
  let nodes;
  try {
    nodes = readLines(trigger, 'Dockerfile').nodes;
  } catch (err) {
    throw err instanceof DockerfileParseError ? bare(err.reason) : err;
  }
  if (nodes.length !== 1) throw bare('onbuild trigger should be a single expression');
  let instruction;
  try {
    instruction = parseInstruction(nodes[0]!);
  } catch (err) {
    throw bare((err as Error).message);
  }
  if (instruction.kind === 'FROM') throw bare('*instructions.Stage is not a command type');
  return instruction;
}
