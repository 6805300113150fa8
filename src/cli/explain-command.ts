// `cdk-gitlab-oidc explain`: why a job's token is (not) allowed to assume a role. Exit codes: 0 when every
// role explained admits the token, 1 when one refuses it (or cannot be decided before deployment), 2 on
// bad input.
import { existsSync } from 'fs';
import { resolve } from 'path';
import { commandOptions, exitCode } from './command-line';
import { rolesOfAssembly, roleOfPolicyFile } from './policy-sources';
import { readClaims, TOKEN_VARIABLE } from './token-sources';
import { UsageError } from './usage-error';
import { explainToken } from '../private/explain/explain';
import { renderJson, renderText } from '../private/explain/render';

export const EXPLAIN_HELP = `Usage: cdk-gitlab-oidc explain [token] [policy] [options]

Explains why STS would admit or refuse a GitLab job's ID token for a role: STS's checks of the token,
each statement of the role's trust policy, each condition with the token's value beside the policy's,
and the likely causes. The token is decoded, never verified, and never printed.

The token (one of; default: $${TOKEN_VARIABLE}):
  --token <jwt>              the ID token
  --token-file <file>        a file holding the ID token
  --claims <json>            the token's decoded claims, as JSON
  --claims-file <file>       a file holding the decoded claims
  --cloudtrail-event <file>  a CloudTrail AssumeRoleWithWebIdentity event (records iss, aud and sub only)

The policy (default: --app cdk.out):
  --app <dir>                a synthesized cloud assembly: every role that trusts a web identity
  --role <id>                only this role: its construct path or logical ID
  --policy-file <file>       a trust policy document, or what 'aws iam get-role' prints

Options:
  --at <time>                judge the token's exp and nbf at this ISO 8601 time (default: now)
  --json                     print JSON instead of text
  -h, --help                 print this help

Exit codes: 0 allowed, 1 denied (or undecidable before deployment), 2 bad input.

Examples:
  npx cdk synth && npx cdk-gitlab-oidc explain --token-file token.jwt
  npx cdk-gitlab-oidc explain --claims '{"iss":"https://gitlab.com","aud":"https://gitlab.com","sub":"project_path:g/p:ref_type:branch:ref:main"}' --role MyStack/DeployRole
  aws iam get-role --role-name deploy > role.json && npx cdk-gitlab-oidc explain --policy-file role.json --cloudtrail-event event.json
`;

/** What the command reads and writes besides its arguments. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** The folder file arguments are relative to. */
  readonly cwd: string;
}

/** Runs `explain` with its arguments; returns the exit code. */
export function runExplain(args: string[], io: CommandIo): number {
  // Exit 1 means "denied": no failure may exit 1, or a check that expects a denial would pass on a crash.
  return exitCode('explain', () => explain(args, io), io.stderr, 'cannot explain this input', true);
}

function explain(args: string[], io: CommandIo): number {
  const values = commandOptions(args, {
    'token': { type: 'string' },
    'token-file': { type: 'string' },
    'claims': { type: 'string' },
    'claims-file': { type: 'string' },
    'cloudtrail-event': { type: 'string' },
    'app': { type: 'string' },
    'role': { type: 'string' },
    'policy-file': { type: 'string' },
    'at': { type: 'string' },
    'json': { type: 'boolean' },
    'help': { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(EXPLAIN_HELP);
    return 0;
  }
  const text = (name: string) => values[name] as string | undefined;
  const { claims, notes } = readClaims({
    token: text('token'), tokenFile: text('token-file'), claims: text('claims'), claimsFile: text('claims-file'), cloudTrailEvent: text('cloudtrail-event'),
  }, io.env, io.cwd);
  if (text('policy-file') !== undefined && (text('app') !== undefined || text('role') !== undefined)) {
    throw new UsageError('give --policy-file, or --app with --role, not both');
  }
  const app = text('app') ?? 'cdk.out';
  if (text('policy-file') === undefined && text('app') === undefined && !existsSync(resolve(io.cwd, app))) {
    throw new UsageError('no policy: there is no cdk.out here; run cdk synth, or give --app or --policy-file');
  }
  const roles = text('policy-file') !== undefined ? [roleOfPolicyFile(io.cwd, text('policy-file')!)] : rolesOfAssembly(io.cwd, app, text('role'));
  const at = text('at') === undefined ? new Date() : new Date(text('at')!);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--at must be an ISO 8601 time, got: ${text('at')}`);
  const now = Math.floor(at.getTime() / 1000);

  const results = roles.map((role) => {
    const explanation = explainToken({ policy: role.policy, claims, providers: role.providers, now });
    return { role, explanation: { ...explanation, notChecked: [...explanation.notChecked, ...notes] } };
  });
  if (values.json) {
    io.stdout(`${JSON.stringify(results.map((r) => renderJson(r.role.name, r.explanation, claims)), undefined, 2)}\n`);
  } else {
    io.stdout(results.map((r) => renderText(r.role.name, r.explanation, claims)).join('\n'));
  }
  return results.every((r) => r.explanation.decision === 'allowed') ? 0 : 1;
}
