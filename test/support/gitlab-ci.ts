// GitLab's CI/CD schema (a fixture copied from gitlab-org/gitlab: see fixtures/gitlab-ci-schema/SOURCE.md)
// and the generated job text as it reads after deploy.
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Stack } from 'aws-cdk-lib';
import { parse } from 'yaml';
import { PROCESS_MS } from './timeouts';

/** The schema, read from the repository's own fixture. */
export const GITLAB_CI_SCHEMA = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'gitlab-ci-schema', 'ci.json'), 'utf8'));

/** A validator for whole .gitlab-ci.yml documents. */
export function gitLabCiValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(GITLAB_CI_SCHEMA);
}

/**
 * A job's text with its deploy-time values resolved as CloudFormation would resolve them: the role's
 * ARN to `roleArn`, pseudo parameters to the given values.
 */
export function resolvedJob(stack: Stack, job: string, roleArn: string, pseudo: Record<string, string> = {}): string {
  const resolved = stack.resolve(job);
  if (typeof resolved === 'string') return resolved;
  const [separator, parts] = resolved['Fn::Join'];
  return parts.map((part: any) => {
    if (typeof part === 'string') return part;
    if (part['Fn::GetAtt']) return roleArn;
    if (part.Ref && pseudo[part.Ref] !== undefined) return pseudo[part.Ref];
    throw new Error(`unexpected deploy-time value in the job: ${JSON.stringify(part)}`);
  }).join(separator);
}

/** GitLab's `!reference [job, key]` tag, read as GitLab's schema and Psych read it: the list of its path. */
const REFERENCE_TAG = { tag: '!reference', collection: 'seq' as const, default: false, resolve: (seq: any) => seq };

/** A pipeline file as the yaml package reads it, with GitLab's `!reference` tag. */
export function parseCi(text: string): any {
  return parse(text, { customTags: [REFERENCE_TAG] });
}

/** The document as Ruby's Psych (GitLab's YAML parser, YAML 1.1) reads it; aliases refused, as generated files have none. */
export function psych(yaml: string): any {
  return JSON.parse(execFileSync('ruby', ['-ryaml', '-rjson', '-e', 'print JSON.generate(YAML.safe_load($stdin.read, aliases: false))'], {
    input: yaml, encoding: 'utf8', timeout: PROCESS_MS,
  }));
}
