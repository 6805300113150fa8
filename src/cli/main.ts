#!/usr/bin/env node
// The `cdk-gitlab-oidc` command shipped in the package (package.json "bin").
import { readFileSync } from 'fs';
import { join } from 'path';
import { runAudit } from './audit-command';
import { runExplain } from './explain-command';
import { runIssuerKeys } from './issuer-keys-command';
import { printable } from '../private/explain/untrusted-input';

const USAGE = `Usage: cdk-gitlab-oidc <command>

Commands:
  explain   why a GitLab job's ID token is (not) allowed to assume a role
  audit     which roles a GitLab job you do not control could assume
  issuer-keys
            the key set a hosted issuer publishes next (the keys sync job's step)

Run 'cdk-gitlab-oidc <command> --help' for its options, 'cdk-gitlab-oidc --version' for the version.
`;

// A closed output (`| head`) is no verdict: exit 2, never 1, which means denied or found.
process.stdout.on('error', () => process.exit(2));

const [command, ...rest] = process.argv.slice(2);
const io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t), env: process.env, cwd: process.cwd() };
if (command === 'explain') {
  process.exitCode = runExplain(rest, io);
} else if (command === 'audit') {
  process.exitCode = runAudit(rest, { ...io, stdin: () => readFileSync(0, 'utf8') });
} else if (command === 'issuer-keys') {
  process.exitCode = runIssuerKeys(rest, io);
} else if (command === '--help' || command === '-h') {
  io.stdout(USAGE);
} else if (command === '--version') {
  // The package's own package.json: lib/cli/ (or src/cli/) is two folders below it.
  io.stdout(`${JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version}\n`);
} else if (command === undefined) {
  io.stderr(USAGE);
  process.exitCode = 2;
} else {
  io.stderr(`cdk-gitlab-oidc: unknown command ${printable(JSON.stringify(command), false)}\n${USAGE}`);
  process.exitCode = 2;
}
