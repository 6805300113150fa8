#!/usr/bin/env node
// A stand-in for the commands the repository's pipeline runs that reach a registry or take minutes (npm, npx, pip,
// twine, pypi-attestations, publib's publishers, the build's .ci/run, projen's release:artifacts): it records what it was asked to do,
// in which job, with which identity, to the file STANDIN_LOG, and does nothing else but what the next job needs
// (the release's artifacts). Linked under each command's name (test/release-pipeline/bin/).
const { appendFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } = require('fs');
const { basename, join } = require('path');
const { execFileSync } = require('child_process');

// STANDIN_AS names a script the stand-in replaces (the build's .ci/run).
const command = [process.env.STANDIN_AS || basename(process.argv[1]), ...process.argv.slice(2)];
const SECRETS = ['NPM_TOKEN', 'NODE_AUTH_TOKEN', 'TWINE_USERNAME', 'TWINE_PASSWORD', 'RELEASE_GIT_TOKEN', 'MAVEN_USERNAME', 'MAVEN_PASSWORD',
  'MAVEN_GPG_PRIVATE_KEY', 'NUGET_API_KEY', 'GITHUB_TOKEN'];
const SETTINGS = ['NPM_TRUSTED_PUBLISHER', 'NPM_CONFIG_PROVENANCE', 'NPM_ACCESS_LEVEL', 'PYPI_TRUSTED_PUBLISHER', 'MAVEN_SERVER_ID', 'GIT_CONFIG_COUNT'];

/** The audience of each ID token the job holds (the variables GitLab sets from the job's id_tokens). */
const audiences = {};
for (const [name, value] of Object.entries(process.env)) {
  if (!name.endsWith('_ID_TOKEN') || !value) continue;
  audiences[name] = JSON.parse(Buffer.from(value.split('.')[1], 'base64url').toString('utf8')).aud;
}

// What a publisher would publish: the files of the folder it is given (publib), or the files it names (npm, twine).
const folder = command.slice(1).find((arg) => existsSync(arg) && statSync(arg).isDirectory());
const record = {
  job: process.env.CI_JOB_NAME,
  command: command.join(' '),
  idTokens: audiences,
  secrets: SECRETS.filter((name) => process.env[name]),
  settings: Object.fromEntries(SETTINGS.filter((name) => process.env[name]).map((name) => [name, process.env[name]])),
  files: folder && existsSync(folder) ? readdirSync(folder).sort() : undefined,
};
appendFileSync(process.env.STANDIN_LOG, `${JSON.stringify(record)}\n`);

// pypi-attestations sign writes each file's attestation beside it, for twine upload --attestations.
if (command[0] === 'pypi-attestations' && command[1] === 'sign') {
  for (const file of command.slice(2)) writeFileSync(`${file}.publish.attestation`, 'stand-in');
}

// The release's artifacts, as `npx projen release:artifacts` leaves them for the publish jobs: the packages, the
// release commit (CHANGELOG.md and compat/released/) tagged v0.1.0, and the git bundle of both (none when the test
// says the bump found nothing to release: STANDIN_NO_RELEASE). STANDIN_FORGE makes the release commit change a file it
// must not (the pipeline file), as a compromised build could.
if (command.join(' ') === 'npx projen release:artifacts' && !process.env.STANDIN_NO_RELEASE) {
  const packages = { js: 'cdk-gitlab-oidc@0.1.0.jsii.tgz', python: 'cdk_gitlab_oidc-0.1.0-py3-none-any.whl', java: 'cdk-gitlab-oidc-0.1.0.jar',
    dotnet: 'CdkGitLabOidc.0.1.0.nupkg', go: 'cdkgitlaboidc' };
  for (const [language, file] of Object.entries(packages)) {
    mkdirSync(join('dist', language), { recursive: true });
    writeFileSync(join('dist', language, file), 'stand-in');
  }
  writeFileSync(join('dist', 'releasetag.txt'), 'v0.1.0');
  const git = (...args) => execFileSync('git', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync('CHANGELOG.md', '## 0.1.0\n');
  mkdirSync(join('compat', 'released'), { recursive: true });
  writeFileSync(join('compat', 'released', 'package.json'), '{"version":"0.1.0"}\n');
  git('add', 'CHANGELOG.md', 'compat/released/package.json');
  if (process.env.STANDIN_FORGE) {
    writeFileSync('.gitlab-ci.yml', 'forged: {script: [id]}\n');
    git('add', '.gitlab-ci.yml');
  }
  git('commit', '-q', '-m', 'chore(release): 0.1.0');
  git('tag', '-a', '-m', '0.1.0', 'v0.1.0');
  git('bundle', 'create', join('dist', 'release.bundle'), 'refs/tags/v0.1.0', '^HEAD~1');
}
