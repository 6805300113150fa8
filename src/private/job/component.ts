// The credential job as a GitLab CI/CD component (https://docs.gitlab.com/ci/components/): a `spec: inputs:`
// header, then the job gitLabCiJob() writes for a role known by its ARN, with each setting an input's
// interpolation (https://docs.gitlab.com/ci/inputs/). Inputs reach only YAML values (the job's name, its
// id_tokens audience, its variables), which GitLab interpolates after parsing the file; the shell reads them
// as variables. The regexes are RE2, which GitLab uses for inputs, and match what gitLabCiJob() accepts.
import { DEFAULT_TOKEN_VARIABLE, SESSION_NAME } from './ci-job';
import { afterScript, beforeScript, CREDENTIALS_MODES, DEFAULT_STS_ATTEMPTS, JOB_VARIABLES, MAX_STS_ATTEMPTS } from './credential-script';
import { jobYaml } from './job-yaml';
import { AWS_ACCOUNT_ID, AWS_REGION, DEFAULT_SESSION_SECONDS, IAM_ROLE_ARN } from '../rules/aws';
import { yamlString } from '../yaml';

/** The path of the component in a component project: templates/<name>.yml. */
export const COMPONENT_PATH = 'templates/aws-oidc.yml';

/** One input of the component's `spec:inputs`. */
export interface ComponentInput {
  readonly name: string;
  readonly description: string;
  /** Stated for strings too: GitLab's schema reads an input without a type as every type at once. */
  readonly type: 'string' | 'number';
  readonly default?: string | number;
  readonly options?: readonly string[];
  readonly regex?: string;
}

/** The component's inputs, in the order its README table lists them. */
export const COMPONENT_INPUTS: readonly ComponentInput[] = [
  { name: 'role_arn', description: 'The ARN of the IAM role the job assumes.', type: 'string', regex: IAM_ROLE_ARN.source },
  {
    name: 'audience',
    description: 'The aud of the job\'s ID token: an audience the role\'s trust policy expects and its OIDC provider lists.',
    type: 'string',
    // As validateAudience: no white space, "*", "?" or "$" (GitLab expands variables in id_tokens aud).
    regex: '^[^\\s*?$]{1,255}$',
  },
  { name: 'region', description: 'The AWS region of the CLI and SDKs, and of the STS endpoint they call.', type: 'string', regex: AWS_REGION.source },
  {
    name: 'sts_endpoints',
    description: 'regional: the region\'s STS endpoint, as AWS recommends; legacy: the global sts.amazonaws.com.',
    type: 'string',
    default: 'regional',
    options: ['regional', 'legacy'],
  },
  {
    name: 'credentials',
    description: `${CREDENTIALS_MODES.tokenFile}: AWS_WEB_IDENTITY_TOKEN_FILE, which every AWS SDK and the CLI use and renew; ` +
      `${CREDENTIALS_MODES.assumeRoleCli}: credentials exported once, for tools that read only AWS_ACCESS_KEY_ID and its companions.`,
    type: 'string',
    default: CREDENTIALS_MODES.tokenFile,
    options: [CREDENTIALS_MODES.tokenFile, CREDENTIALS_MODES.assumeRoleCli],
  },
  {
    name: 'session_duration',
    description: `Seconds the ${CREDENTIALS_MODES.assumeRoleCli} credentials last: 900 to the role's maximum session duration.`,
    type: 'number',
    default: DEFAULT_SESSION_SECONDS,
  },
  {
    name: 'sts_attempts',
    description: `How many times STS is asked when it answers with a transient error, 1 to ${MAX_STS_ATTEMPTS}; a refusal is never asked again.`,
    type: 'number',
    default: DEFAULT_STS_ATTEMPTS,
  },
  {
    name: 'expected_account',
    description: 'The 12-digit account the credentials must belong to; empty for any.',
    type: 'string',
    default: '',
    regex: `^(${AWS_ACCOUNT_ID.source.slice(1, -1)})?$`,
  },
  { name: 'job_name', description: 'The hidden job that jobs extend.', type: 'string', default: '.aws-oidc', regex: '^\\.[A-Za-z0-9_.-]{1,254}$' },
];

const input = (name: string) => `$[[ inputs.${name} ]]`;

/** The component's file: its spec, `---`, and the job. */
export function renderCiComponent(): string {
  const spec = ['spec:', '  inputs:', ...COMPONENT_INPUTS.flatMap((i) => [
    `    ${i.name}:`,
    `      description: ${yamlString(i.description)}`,
    `      type: ${i.type}`,
    ...(i.default === undefined ? [] : [`      default: ${typeof i.default === 'number' ? i.default : yamlString(i.default)}`]),
    ...(i.options ? ['      options:', ...i.options.map((o) => `        - ${yamlString(o)}`)] : []),
    ...(i.regex ? [`      regex: ${yamlString(i.regex)}`] : []),
  ])];
  const job = jobYaml({
    name: input('job_name'),
    tokenVariable: DEFAULT_TOKEN_VARIABLE,
    audience: input('audience'),
    variables: [
      ['AWS_ROLE_ARN', input('role_arn')],
      ['AWS_ROLE_SESSION_NAME', SESSION_NAME],
      ['AWS_REGION', input('region')],
      ['AWS_DEFAULT_REGION', input('region')],
      ['AWS_STS_REGIONAL_ENDPOINTS', input('sts_endpoints')],
      [JOB_VARIABLES.credentials, input('credentials')],
      [JOB_VARIABLES.stsAttempts, input('sts_attempts')],
      [JOB_VARIABLES.sessionSeconds, input('session_duration')],
      [JOB_VARIABLES.expectedAccount, input('expected_account')],
    ],
    beforeScript: beforeScript(DEFAULT_TOKEN_VARIABLE),
    script: ['aws sts get-caller-identity'],
    afterScript: afterScript(),
  });
  return [
    '# Generated by cdk-gitlab-oidc from the source of GitLabRunnerRole.gitLabCiJob(): do not edit (npx projen component).',
    ...spec,
    '---',
    job,
  ].join('\n');
}
