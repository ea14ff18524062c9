// docker run/create's security flags: --privileged, --cap-add, --cap-drop, --security-opt.
import { readFileSync } from 'node:fs';
import { parseDockerSeccompProfile } from '@ce/runtime/spec';
import type { Command } from 'commander';
import { collect } from './output.js';

export interface SecurityFlags {
  privileged?: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
}

export function addSecurityFlags(cmd: Command): Command {
  return cmd
    .option('--privileged', 'Give extended privileges to this container')
    .option('--cap-add <list>', 'Add Linux capabilities (name with or without CAP_, or ALL)', collect, [])
    .option('--cap-drop <list>', 'Drop Linux capabilities (name with or without CAP_, or ALL)', collect, [])
    .option('--security-opt <option>', 'Security Options: seccomp=unconfined|<profile.json>, no-new-privileges', collect, []);
}

/**
 * The request fields, as the docker CLI sends them: a seccomp profile file is
 * read and checked here and its JSON sent in its place, so that its errors
 * name the file. Throws an Error whose message names the problem.
 */
export function securityRequest(flags: SecurityFlags): { privileged: boolean; capAdd: string[]; capDrop: string[]; securityOpt: string[] } {
  const securityOpt = flags.securityOpt.map((opt) => {
    const m = /^seccomp[=:](.*)$/s.exec(opt);
    if (!m || m[1] === 'unconfined') return opt;
    const file = m[1]!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`opening seccomp profile (${file}) failed: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    return `seccomp=${JSON.stringify(parseDockerSeccompProfile(text, `seccomp profile ${file}`))}`;
  });
  return { privileged: !!flags.privileged, capAdd: flags.capAdd, capDrop: flags.capDrop, securityOpt };
}
