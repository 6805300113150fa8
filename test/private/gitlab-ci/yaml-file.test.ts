// The one emitter of generated .gitlab-ci.yml text: the model's keys in one order, every value a scalar that any
// YAML parser reads back as written, so no value can change the document's structure.
import { parse, parseDocument } from 'yaml';
import { CI_JOB_KEYS, CiJob, YamlReference } from '../../../src/private/gitlab-ci/model';
import { documentYaml, jobYaml, yamlBlock } from '../../../src/private/gitlab-ci/yaml-file';

describe('jobs', () => {
  test('keys are written in the model\'s order whatever order the job was built in, raw keys last', () => {
    const job: CiJob = { script: ['run'], raw: { retry: 2 }, variables: { A: '1' }, stage: 'build', extends: '.aws-oidc', image: 'node:20' };
    expect(jobYaml('build', job)).toBe([
      'build:',
      '  stage: "build"',
      '  extends: ".aws-oidc"',
      '  image: "node:20"',
      '  variables:',
      '    A: "1"',
      '  script:',
      '    - "run"',
      '  retry: 2',
      '',
    ].join('\n'));
  });

  test('the model\'s keys are GitLab\'s job keywords, each once, the script among them', () => {
    expect(new Set(CI_JOB_KEYS).size).toBe(CI_JOB_KEYS.length);
    expect(CI_JOB_KEYS).toEqual(expect.arrayContaining(['script', 'before_script', 'after_script', 'id_tokens', 'needs', 'rules']));
    expect(CI_JOB_KEYS).not.toContain('raw');
  });

  test('only a hidden job, which lends its keys to others, may have no script: GitLab refuses a job that runs none', () => {
    expect(jobYaml('.template', { before_script: ['setup'] })).toBe('".template":\n  before_script:\n    - "setup"\n');
    expect(() => jobYaml('deploy', { before_script: ['setup'] })).toThrow('job "deploy" has no script: only a hidden job may have none');
  });

  test('undefined keys are left out; empty lists and maps are written as such; numbers, booleans and null as themselves', () => {
    const lines = yamlBlock({ a: undefined, b: [], c: {}, d: { e: undefined }, f: 3, g: false, h: null });
    expect(lines).toEqual(['b: []', 'c: {}', 'd: {}', 'f: 3', 'g: false', 'h: null']);
  });

  test('references, lists of maps and nested lists', () => {
    const text = yamlBlock({
      before_script: ['setup', new YamlReference(['.aws-oidc', 'before_script'])],
      needs: [{ job: 'a', artifacts: true }, { job: 'b' }],
      matrix: [['x', 'y'], []],
    }).join('\n');
    expect(text).toBe([
      'before_script:',
      '  - "setup"',
      '  - !reference [".aws-oidc", "before_script"]',
      'needs:',
      '  - job: "a"',
      '    artifacts: true',
      '  - job: "b"',
      'matrix:',
      '  - - "x"',
      '    - "y"',
      '  - []',
    ].join('\n'));
    const document = parseDocument(text, { customTags: [{ tag: '!reference', collection: 'seq', resolve: (value) => value }] });
    expect(document.errors).toEqual([]);
    expect(document.toJS().needs).toEqual([{ job: 'a', artifacts: true }, { job: 'b' }]);
  });

  test.each([
    ['a key YAML 1.1 reads as a boolean', 'on'],
    ['a key YAML 1.1 reads as null', 'null'],
    ['a hidden job', '.aws-oidc'],
    ['a key with a colon and space', 'a: b'],
    ['a key with a line break', 'a\nb: c'],
  ])('%s is quoted, and read back as written', (_name, key) => {
    const [line] = yamlBlock({ [key]: 'v' });
    expect(line.startsWith(`${key}:`)).toBe(false);
    expect(parse(line)).toEqual({ [key]: 'v' });
  });

  test.each([
    ['a line break and a key', 'x\ny: z'],
    ['a comment', 'x # y'],
    ['YAML 1.1 line breaks', 'a\u0085b\u2028c\u2029d'],
    ['a flow sequence', '[a, b]'],
    ['an anchor and an alias', '&a *a'],
    ['a quote and a backslash', '"\\'],
  ])('a value holding %s stays one scalar', (_name, value) => {
    const text = jobYaml('job', { script: [value], variables: { V: value } });
    expect(parse(text)).toEqual({ job: { script: [value], variables: { V: value } } });
  });
});

describe('documents', () => {
  test('comments, stages and workflow, each followed by an empty line, then each job followed by one', () => {
    const text = documentYaml({
      comments: ['Generated: do not edit.'],
      stages: ['build', 'deploy'],
      workflow: { rules: [{ if: '$CI_COMMIT_BRANCH', when: 'always' }] },
      jobs: [{ name: 'a', job: { stage: 'build', script: ['x'] } }, { name: 'b', job: { stage: 'deploy', script: ['y'] } }],
    });
    expect(text).toBe([
      '# Generated: do not edit.',
      'stages:',
      '  - "build"',
      '  - "deploy"',
      '',
      'workflow:',
      '  rules:',
      '    - if: "$CI_COMMIT_BRANCH"',
      '      when: "always"',
      '',
      'a:',
      '  stage: "build"',
      '  script:',
      '    - "x"',
      '',
      'b:',
      '  stage: "deploy"',
      '  script:',
      '    - "y"',
      '',
    ].join('\n'));
  });

  test('a document of jobs alone starts with the first job', () => {
    expect(documentYaml({ jobs: [{ name: 'a', job: { script: ['x'] } }] })).toBe('a:\n  script:\n    - "x"\n');
  });
});
