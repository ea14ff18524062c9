// `ce image …`: the management form of the image commands, as `docker image`.
import { Command } from 'commander';
import type { Connection } from '../connection.js';
import { registerImagePrune } from './image-prune.js';
import { registerImageInspect } from './image-inspect.js';
import { registerImages } from './images.js';
import { registerLoad } from './load.js';
import { removeImages } from './rmi.js';
import { registerSave } from './save.js';
import { registerTag } from './tag.js';
import { registerHistory } from './history.js';
import { registerImport } from './import.js';

export function registerImage(program: Command, connect: () => Connection): void {
  const image = program.command('image').description('Manage images').usage('COMMAND');
  // `ce image ls` is `ce images`.
  const ls = new Command('ls');
  registerImages(ls, connect);
  const list = ls.commands[0]!;
  list.name('ls').alias('list');
  image.addCommand(list);
  image
    .command('rm')
    .description('Remove one or more images')
    .argument('<image...>')
    .option('-f, --force', 'Force removal of the image')
    .action(async (refs: string[], opts: { force?: boolean }) => removeImages(connect(), refs, !!opts.force));
  registerImagePrune(image, connect);
  registerImageInspect(image, connect);
  registerLoad(image, connect);
  registerSave(image, connect);
  registerTag(image, connect);
  registerHistory(image, connect);
  registerImport(image, connect);
  for (const cmd of image.commands) cmd.exitOverride();
  image.exitOverride();
}
