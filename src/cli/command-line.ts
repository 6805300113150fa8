// What every `cdk-gitlab-oidc` command shares: its options read strictly, and every failure turned into exit 2 with one
// line (exit 1 means denied or found: a crash must never read as a verdict).
import { parseArgs, ParseArgsConfig } from 'util';
import { UsageError } from './usage-error';
import { printable } from '../private/explain/untrusted-input';

/** The options' values; an unknown option or a positional argument is a usage error naming it. */
export function commandOptions(args: string[], options: NonNullable<ParseArgsConfig['options']>): Record<string, string | boolean | string[] | undefined> {
  try {
    // Multiple options are string lists here (no command has a multiple boolean).
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | string[] | undefined>;
  } catch (e) {
    // parseArgs names the bad option; it never repeats an option's value.
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
}

/**
 * Runs a command's body; any failure exits 2 with one line on stderr: a usage error's message, or `failure` and the
 * error's. `helpHint` adds the line that points at `--help`.
 */
export function exitCode(command: string, body: () => number, stderr: (text: string) => void, failure: string, helpHint: boolean): number {
  try {
    return body();
  } catch (e) {
    const message = e instanceof UsageError ? e.message : `${failure}: ${(e as Error)?.message ?? String(e)}`;
    stderr(`cdk-gitlab-oidc ${command}: ${printable(message.split('\n')[0], false)}\n${helpHint ? `Run 'cdk-gitlab-oidc ${command} --help' for usage.\n` : ''}`);
    return 2;
  }
}
