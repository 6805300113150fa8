// Runs one of the package's commands (explain, audit, issuer-keys) in this process, as its bin script would, with
// an empty environment, and keeps what it printed.
import { CommandIo } from '../../src/cli/explain-command';

/** A command's exit code and what it printed. */
export interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` with `args` in `cwd`; `extra` gives the command's other inputs (standard input, the clock). */
export function runCommand<Extra extends object>(
  command: (args: string[], io: CommandIo & Extra) => number, args: string[], cwd: string, extra: Extra = {} as Extra,
): CommandRun {
  let stdout = '';
  let stderr = '';
  const code = command(args, { ...extra, stdout: (text) => { stdout += text; }, stderr: (text) => { stderr += text; }, env: {}, cwd });
  return { code, stdout, stderr };
}
