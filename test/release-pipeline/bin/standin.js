#!/usr/bin/env node
// A stand-in for the commands the repository's pipeline runs that reach a registry or take minutes (npm, npx and
// what they run: projen's release, publib's publishers; the build's .ci/run): it records what it was asked to do,
// in which job, with which identity, to the file STANDIN_LOG, and does nothing else but what the next job needs
// (the release's artifacts). Linked under each command's name (test/release-pipeline/bin/).
const { appendFileSync, mkdirSync, readdirSync, writeFileSync, existsSync } = require('fs');
const { basename, join } = require('path');

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

// What a publisher would publish: the files of the folder it is given.
const folder = command.length > 2 && command[1].startsWith('publib-') ? command[2] : undefined;
const record = {
  job: process.env.CI_JOB_NAME,
  command: command.join(' '),
  idTokens: audiences,
  secrets: SECRETS.filter((name) => process.env[name]),
  settings: Object.fromEntries(SETTINGS.filter((name) => process.env[name]).map((name) => [name, process.env[name]])),
  files: folder && existsSync(folder) ? readdirSync(folder).sort() : undefined,
};
appendFileSync(process.env.STANDIN_LOG, `${JSON.stringify(record)}\n`);

// The release's artifacts, as `npx projen release:artifacts` leaves them for the publish jobs (none when the
// test says the bump found nothing to release: STANDIN_NO_RELEASE).
if (command.join(' ') === 'npx projen release:artifacts' && !process.env.STANDIN_NO_RELEASE) {
  const packages = { js: 'cdk-gitlab-oidc@0.1.0.jsii.tgz', python: 'cdk_gitlab_oidc-0.1.0-py3-none-any.whl', java: 'cdk-gitlab-oidc-0.1.0.jar',
    dotnet: 'CdkGitLabOidc.0.1.0.nupkg', go: 'cdkgitlaboidc' };
  for (const [language, file] of Object.entries(packages)) {
    mkdirSync(join('dist', language), { recursive: true });
    writeFileSync(join('dist', language, file), 'stand-in');
  }
  writeFileSync(join('dist', 'releasetag.txt'), 'v0.1.0');
  writeFileSync('.jsii', '{}');
}
