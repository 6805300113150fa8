// Which iam.RoleProps fields a GitLabRunnerRole passes to iam.Role: every one that can apply to a role
// assumed with AssumeRoleWithWebIdentity, and no other.
import { readFileSync } from 'fs';
import { dirname, join } from 'path';
import { gunzipSync } from 'zlib';
import { App, Stack } from 'aws-cdk-lib';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

const root = join(__dirname, '..');

/**
 * The fields of a jsii struct, from an assembly file (or the compressed file it redirects to). Read as
 * plain JSON: aws-cdk-lib's newer assemblies declare type-system features that @jsii/spec's loader
 * refuses unless told of them, and only property names are needed here.
 */
function fields(assemblyFile: string, fqn: string): string[] {
  let assembly = JSON.parse(readFileSync(assemblyFile, 'utf8'));
  if (assembly.schema === 'jsii/file-redirect') {
    const target = readFileSync(join(dirname(assemblyFile), assembly.filename));
    assembly = JSON.parse((assembly.compression === 'gzip' ? gunzipSync(target) : target).toString('utf8'));
  }
  const type = assembly.types[fqn] as { properties?: { name: string }[] };
  return (type.properties ?? []).map((p) => p.name).sort();
}

test('the props mirror every iam.RoleProps field but assumedBy and externalIds', () => {
  const roleProps = fields(join(root, 'node_modules', 'aws-cdk-lib', '.jsii'), 'aws-cdk-lib.aws_iam.RoleProps');
  const ours = fields(join(root, '.jsii'), 'cdk-gitlab-oidc.GitLabRunnerRoleProps');
  expect(roleProps).toEqual(expect.arrayContaining(['assumedBy', 'externalIds']));
  expect(ours).toEqual(expect.arrayContaining(roleProps.filter((f) => !['assumedBy', 'externalIds'].includes(f))));
  expect(ours).not.toContain('externalIds');
  expect(ours).not.toContain('assumedBy');
});

test.each<[string, unknown, string]>([
  ['externalIds', ['build-42'], 'GitLabRunnerRole does not take externalIds: AssumeRoleWithWebIdentity carries no external ID, so an sts:ExternalId condition would deny every job, got: ["build-42"]'],
  ['externalId', 'build-42', 'GitLabRunnerRole does not take externalId: AssumeRoleWithWebIdentity carries no external ID'],
  ['assumedBy', { principalAccount: '1' }, 'GitLabRunnerRole does not take assumedBy: the role builds its trust policy from the subjects'],
])('%s passed from JavaScript is refused, not handed to iam.Role', (field, value, message) => {
  const stack = new Stack(new App(), 'Stack');
  const provider = new GitLabOidcProvider(stack, 'GitLab');
  expect(() => new GitLabRunnerRole(stack, 'Role', {
    provider, subjects: [GitLabSubject.project('g/p').branch('main')], [field]: value,
  } as any)).toThrow(message);
});
