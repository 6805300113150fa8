// Which iam.RoleProps fields a GitLabRunnerRole passes to iam.Role: every one that can apply to a role
// assumed with AssumeRoleWithWebIdentity, and no other.
import { readFileSync } from 'fs';
import { dirname, join } from 'path';
import { gunzipSync } from 'zlib';
import { App, Stack } from 'aws-cdk-lib';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

const root = join(__dirname, '..');

/** An assembly file's types (or those of the compressed file it redirects to), read as plain JSON. */
function types(assemblyFile: string): Record<string, { properties?: { name: string }[]; interfaces?: string[] }> {
  let assembly = JSON.parse(readFileSync(assemblyFile, 'utf8'));
  if (assembly.schema === 'jsii/file-redirect') {
    const target = readFileSync(join(dirname(assemblyFile), assembly.filename));
    assembly = JSON.parse((assembly.compression === 'gzip' ? gunzipSync(target) : target).toString('utf8'));
  }
  return assembly.types;
}

/**
 * The fields of a jsii struct, its own and those of the structs it extends. Read as plain JSON:
 * aws-cdk-lib's newer assemblies declare type-system features that @jsii/spec's loader refuses unless
 * told of them, and only property names are needed here.
 */
function fields(assemblyFile: string, fqn: string): string[] {
  const all = types(assemblyFile);
  const collect = (name: string): string[] => [
    ...(all[name].properties ?? []).map((p) => p.name),
    ...(all[name].interfaces ?? []).flatMap(collect),
  ];
  return collect(fqn).sort();
}

test('the props mirror every iam.RoleProps field but assumedBy and externalIds, and add the GitLab trust fields', () => {
  const roleProps = fields(join(root, 'node_modules', 'aws-cdk-lib', '.jsii'), 'aws-cdk-lib.aws_iam.RoleProps');
  const mirror = fields(join(root, '.jsii'), 'cdk-gitlab-oidc.GitLabWebIdentityRoleProps');
  expect(roleProps).toEqual(expect.arrayContaining(['assumedBy', 'externalIds']));
  expect(mirror).toEqual(roleProps.filter((f) => !['assumedBy', 'externalIds'].includes(f)));
  expect(fields(join(root, '.jsii'), 'cdk-gitlab-oidc.GitLabRunnerRoleProps'))
    .toEqual([...mirror, 'audience', 'claimConditions', 'provider', 'subjects', 'trustPolicySizeLimit'].sort());
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
