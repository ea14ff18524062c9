import type { Command } from 'commander';
import { Document, visit } from 'yaml';
import { configDocument } from '../config-document.js';
import { composeAction, type ComposeContext } from '../context.js';
import { startOrder } from '../start-order.js';

interface ConfigOptions {
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
}

export function registerConfig(group: Command, ctx: ComposeContext): void {
  group
    .command('config')
    .description('Validate and view the Compose file')
    .usage('[options]')
    .option('-q, --quiet', "Only validate the configuration, don't print anything.")
    .option('--services', 'Print the service names, one per line.')
    .option('--volumes', 'Print the volume names, one per line.')
    .action(
      composeAction(ctx, async (opts: ConfigOptions) => {
        const project = ctx.project();
        if (opts.quiet) return;
        // In start order (dependencies first), as docker-compose lists them.
        if (opts.services) process.stdout.write(startOrder(project.services).map((s) => `${s.name}\n`).join(''));
        else if (opts.volumes) process.stdout.write(Object.keys(project.volumes).map((v) => `${v}\n`).join(''));
        else process.stdout.write(`${asComposeYaml(configDocument(project))}\n`);
      }),
    );
}

/** YAML 1.1's booleans, which docker-compose double-quotes when they are strings. */
const BOOLEAN_WORDS = /^(y|n|yes|no|on|off|true|false)$/i;

/**
 * The document as docker-compose 1.29 dumps it (PyYAML's safe_dump): keys
 * sorted, lists not indented under their key, single quotes where a string
 * needs quoting, and YAML 1.1's boolean words double-quoted.
 */
function asComposeYaml(value: Record<string, unknown>): string {
  const doc = new Document(value, { sortMapEntries: true, aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && BOOLEAN_WORDS.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ indentSeq: false, singleQuote: true });
}
