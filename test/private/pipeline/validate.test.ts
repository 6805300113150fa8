// The rules for the values a pipeline file holds, rule by rule, on both sides of each limit.
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { GitLabDeploymentTier } from '../../../src';
import {
  expireInText, validateDeployBranch, validateEnvironment, validateJobSettings, validateLiteral, validateLiteralList, validateOutputFile,
  validateProjectPath, validateVariable, validateVersion,
} from '../../../src/private/pipeline/validate';

const stack = new Stack(new App(), 'Stack');
const parameter = new CfnParameter(stack, 'P').valueAsString;
// The app: its path is empty, so messages start with the rule (a construct's path would lead them).
const scope = stack.node.root;

describe('literals', () => {
  test('a deploy-time value is refused, named', () => {
    expect(() => validateLiteral(parameter, 'image', scope)).toThrow(/^image holds a deploy-time value, but a pipeline file holds literals only .*, got: /);
  });

  test('a value YAML cannot hold is refused with its problem', () => {
    expect(() => validateLiteral('a\ud800b', 'image', scope)).toThrow(/^image must not contain a lone UTF-16 surrogate \(it has no UTF-8 form\), got: "a\\ud800b"$/);
  });

  test('a deploy-time list, and each element of a literal list', () => {
    expect(() => validateLiteralList(new CfnParameter(stack, 'L', { type: 'CommaDelimitedList' }).valueAsList, 'tags', scope))
      .toThrow(/^tags is a deploy-time list, but a pipeline file holds literals only/);
    expect(() => validateLiteralList(['a', parameter], 'tags', scope)).toThrow(/^tags\[1\] holds a deploy-time value/);
    expect(() => validateLiteralList(['a', 'b'], 'tags', scope)).not.toThrow();
  });
});

describe('the pipeline file\'s path', () => {
  test.each(['.gitlab-ci.yml', 'ci/pipeline.yaml', 'a/../b.yml', './x.yml'])('%s is accepted', (file) => {
    expect(() => validateOutputFile(file, scope)).not.toThrow();
  });

  test.each(['/abs/.gitlab-ci.yml', '..', '../x.yml', 'a/../../x.yml', 'x.json', 'x.yml.txt', 'a b.yml', 'a\'b.yml', 'a"b.yml', 'a\\b.yml', 'a$b.yml', 'a`b.yml'])(
    '%s is refused', (file) => {
      expect(() => validateOutputFile(file, scope)).toThrow(`outputFile must be a path inside the repository, relative to its root, ending in .yml or .yaml, with no white space, quotes, "\\", "$" or "\`", got: ${JSON.stringify(file)}`);
    });
});

describe('versions the jobs pin', () => {
  test.each(['2.1100.0', '10.20.30', '1.0.0-rc.1', '1.0.0-alpha-2', '1.0.0+build.5', '1.0.0-rc.1+b'])('%s is exact', (version) => {
    expect(() => validateVersion(version, 'cdkCliVersion', scope)).not.toThrow();
  });

  test.each(['2', '2.1', '^2.1.0', '~2.1.0', 'v2.1.0', '2.1.0 ', ' 2.1.0', '2.x.0', '2.1.x', '2.1.0-', '2.1.0+', '2.1.0-a_b', '2.1.0+a_b', 'latest'])('%p is not', (version) => {
    expect(() => validateVersion(version, 'cdkCliVersion', scope))
      .toThrow(`cdkCliVersion must be an exact version such as "2.1100.0" (the jobs pin it), got: ${JSON.stringify(version)}`);
  });
});

describe('the deploy branch', () => {
  test.each([
    ['a ref git refuses', 'a..b', /^deployBranch name .*, got: "a\.\.b"$/],
    ['a quote', 'a"b', /^deployBranch must not contain '"' or '\*'/],
    ['a star', 'a*b', /^deployBranch must not contain '"' or '\*' \(a GitLab rules expression cannot hold them\), got: "a\*b"$/],
  ])('%s is refused', (_name, branch, error) => {
    expect(() => validateDeployBranch(branch, scope)).toThrow(error);
  });

  test('a branch with a slash is fine', () => {
    expect(() => validateDeployBranch('release/2026', scope)).not.toThrow();
  });
});

describe('environments', () => {
  const NAME_RULE = 'environment name must be 1 to 255 letters, digits, spaces and "-", "_", "/", ".", not starting or ending with "/" (GitLab\'s rule)';
  test.each(['production', 'review/feature-1', 'Prod EU', 'a.b_c-d', 'x'.repeat(255)])('name %p is accepted', (name) => {
    expect(() => validateEnvironment({}, name, scope)).not.toThrow();
  });

  test.each(['', '/prod', 'prod/', 'x'.repeat(256), 'prod$x', 'prod{x}', 'prod:x'])('name %p is refused', (name) => {
    expect(() => validateEnvironment({}, name, scope)).toThrow(`${NAME_RULE}, got: ${JSON.stringify(name)}`);
  });

  test.each(['http://example.com', 'https://example.com/app?x=1'])('url %p is accepted', (url) => {
    expect(() => validateEnvironment({ url }, 'prod', scope)).not.toThrow();
  });

  test.each(['ftp://example.com', 'https://', 'https://a b', 'xhttps://example.com', 'https://example.com '])('url %p is refused', (url) => {
    expect(() => validateEnvironment({ url }, 'prod', scope)).toThrow(`environment url must be an http:// or https:// URL, got: ${JSON.stringify(url)}`);
  });

  test('a deploy-time url or tier is refused', () => {
    expect(() => validateEnvironment({ url: parameter }, 'prod', scope)).toThrow(/^environment url holds a deploy-time value/);
    expect(() => validateEnvironment({ deploymentTier: GitLabDeploymentTier.of(parameter) }, 'prod', scope)).toThrow(/^environment deploymentTier holds a deploy-time value/);
    expect(() => validateEnvironment({ deploymentTier: GitLabDeploymentTier.PRODUCTION }, 'prod', scope)).not.toThrow();
  });
});

describe('variables', () => {
  test.each([
    ['a name starting with a digit', '1X', /name must be letters, digits and "_", not starting with a digit, got: "1X"$/],
    ['a name with a dash', 'A-B', /name must be letters, digits and "_"/],
    ['a GITLAB_ name', 'GITLAB_OIDC_TOKEN', /name must not be a GITLAB_\* name: GitLab and the credential job set those, got: "GITLAB_OIDC_TOKEN"$/],
    ['a GITLAB_ name in lower case', 'gitlab_x', /name must not be a GITLAB_\* name/],
    ['a reserved name', 'CI_JOB_ID', /name must not be /],
    ['a Docker variable outside the Docker jobs', 'DOCKER_HOST', /name must not be /],
  ])('%s is refused', (_name, name, error) => {
    expect(() => validateVariable(name, 'v', 'jobSettings.variables', scope)).toThrow(error);
  });

  test('the Docker client\'s variables in the Docker jobs, but not the runner\'s', () => {
    expect(() => validateVariable('DOCKER_HOST', 'tcp://docker:2376', 'dockerAssetJobSettings.variables', scope, true)).not.toThrow();
    expect(() => validateVariable('DOCKER_AUTH_CONFIG', '{}', 'dockerAssetJobSettings.variables', scope, true)).toThrow(/name must not be /);
  });

  test('a value is a literal, named by its variable', () => {
    expect(() => validateVariable('STAGE', parameter, 'jobSettings.variables', scope)).toThrow(/^jobSettings\.variables STAGE holds a deploy-time value/);
    expect(() => validateVariable('_STAGE2', 'beta', 'jobSettings.variables', scope)).not.toThrow();
  });
});

describe('job settings', () => {
  test('every literal is checked: image, tags, variables, cache key and paths', () => {
    expect(() => validateJobSettings({ image: parameter }, scope)).toThrow(/^jobSettings\.image holds a deploy-time value/);
    expect(() => validateJobSettings({ tags: ['a', parameter] }, scope)).toThrow(/^jobSettings\.tags\[1\] holds/);
    expect(() => validateJobSettings({ variables: { A: parameter } }, scope)).toThrow(/^jobSettings\.variables A holds/);
    expect(() => validateJobSettings({ cache: { key: parameter, paths: ['a'] } }, scope)).toThrow(/^jobSettings\.cache\.key holds/);
    expect(() => validateJobSettings({ cache: { paths: [parameter] } }, scope)).toThrow(/^jobSettings\.cache\.paths\[0\] holds/);
    expect(() => validateJobSettings({ image: 'node:20', tags: ['aws'], variables: { A: 'b' }, cache: { key: 'npm', paths: ['.npm/'] } }, scope)).not.toThrow();
  });

  test.each(['script', 'before_script', 'after_script', 'id_tokens', 'needs', 'dependencies', 'extends', 'stage', 'rules', 'only', 'except', 'when',
    'environment', 'resource_group', 'artifacts', 'image', 'tags', 'variables', 'cache', 'trigger', 'inherit'])('rawKeys may not set %s, which the pipeline writes', (key) => {
    expect(() => validateJobSettings({ rawKeys: { [key]: 'x' } }, scope))
      .toThrow(new RegExp(`^jobSettings\\.rawKeys must not set "${key}": the pipeline writes it; use .+ instead, got: "${key}"$`));
  });

  test.each(['interruptible', 'allow_failure', 'exit_codes', 'start_in', 'parallel', 'manual_confirmation', 'release', 'pages', 'identity', 'secrets', '<<'])(
    'rawKeys may not set %s, which would switch a gate off, reorder jobs or reach past the pipeline\'s rules', (key) => {
      expect(() => validateJobSettings({ rawKeys: { [key]: 1 } }, scope)).toThrow(new RegExp(`^jobSettings\\.rawKeys must not set "${key.replace(/[<]/g, '\\$&')}": .+, got: `));
    });

  test.each(['timeout', 'retry', 'services', 'hooks', 'coverage'])('rawKeys may set %s', (key) => {
    expect(() => validateJobSettings({ rawKeys: { [key]: 'x' } }, scope)).not.toThrow();
  });

  test.each(['constructor', 'toString', 'artifacts2', 'Timeout'])('rawKeys refuses an unknown keyword %p', (key) => {
    expect(() => validateJobSettings({ rawKeys: { [key]: 'x' } }, scope))
      .toThrow(`jobSettings.rawKeys may set only timeout, retry, services, hooks, coverage (keywords that cannot make a gate non-blocking or reorder jobs), got: ${JSON.stringify(key)}`);
  });

  test.each<[string, unknown]>([
    ['a string', 'x'], ['a number', 3], ['a boolean', true], ['null', null], ['a list', [1, 'a', [false]]], ['a map', { a: { b: [1] } }],
  ])('a raw value may be %s', (_name, value) => {
    expect(() => validateJobSettings({ rawKeys: { retry: value } }, scope)).not.toThrow();
  });

  test.each<[string, unknown, string]>([
    ['a deploy-time value', parameter, '"${Token'],
    ['a deploy-time value deep in a map', { a: [parameter] }, '{"a":["${Token'],
    ['infinity', Infinity, 'null'],
    ['NaN in a list', [1, NaN], '[1,null]'],
    ['a function', () => 1, '() => 1'],
    ['a date', new Date(0), '"1970-01-01T00:00:00.000Z"'],
    ['a string YAML cannot hold', 'a\ud800', '"a\\ud800"'],
    ['a key YAML cannot hold', { 'a\ud800': 1 }, '{"a\\ud800":1}'],
    ['a string YAML cannot hold, after a good one', ['a', 'b\ud800'], '["a","b\\ud800"]'],
    ['a bad value after good ones in a map', { a: 1, b: 'c\ud800' }, '{"a":1,"b":"c\\ud800"}'],
    ['a map that is not plain data', new Map([['a', 1]]), '{}'],
  ])('a raw value may not be %s', (_name, value, shown) => {
    let error: Error | undefined;
    try {
      validateJobSettings({ rawKeys: { retry: value } }, scope);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/^jobSettings\.rawKeys\.retry must be a literal: strings, numbers, booleans, and lists and maps of them, got: /);
    expect(error?.message.slice(error.message.indexOf('got: ') + 5)).toContain(shown);
  });

  test('a value that cannot be written as JSON is described as text', () => {
    expect(() => validateJobSettings({ rawKeys: { retry: BigInt(1) } }, scope)).toThrow(/got: 1$/);
  });

  test.each<[unknown, string]>([
    [{ '<<': { a: 1 } }, 'services.<<'],
    [[{ a: 1 }, { b: { '<<': 1 } }], 'services[1].b.<<'],
    [{ a: [[{ '<<': 1 }]] }, 'services.a[0][0].<<'],
  ])('a "<<" key anywhere in a raw value is refused with its path: %j', (value, path) => {
    expect(() => validateJobSettings({ rawKeys: { services: value } }, scope))
      .toThrow(`jobSettings.rawKeys must hold no "<<" key: GitLab's YAML parser reads it as a merge key even when quoted, got: ${JSON.stringify(path)}`);
  });
});

describe('artifacts\' lifetime', () => {
  test.each<[Duration, string]>([
    [Duration.days(30), '30 days'], [Duration.hours(48), '2 days'], [Duration.hours(1), '1 hours'], [Duration.hours(25), '25 hours'],
    [Duration.minutes(90), '90 minutes'], [Duration.minutes(1441), '1441 minutes'],
  ])('%s is written %p', (duration, text) => {
    expect(expireInText(duration, scope)).toBe(text);
  });

  test.each([Duration.minutes(59), Duration.seconds(3601), Duration.seconds(30), Duration.minutes(new CfnParameter(stack, 'M', { type: 'Number' }).valueAsNumber)])(
    '%s is refused', (duration) => {
      expect(() => expireInText(duration, scope)).toThrow(/^artifactsExpireIn must be a literal duration of at least an hour, in whole minutes, got: /);
    });
});

test('the project path is a literal GitLab project path', () => {
  expect(validateProjectPath('group/project', scope)).toBe('group/project');
  expect(() => validateProjectPath('project', scope)).toThrow(/^projectPath .*, got: "project"$/);
  expect(() => validateProjectPath(parameter, scope)).toThrow(/^projectPath holds a deploy-time value/);
});
