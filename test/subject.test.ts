import { Token } from 'aws-cdk-lib';
import { GitLabSubject } from '../src';

describe('every subject form renders its exact sub and says whether it is a pattern', () => {
  const project = () => GitLabSubject.project('mygroup/myproject');
  const group = () => GitLabSubject.group('mygroup');
  test.each([
    ['project branch', () => project().branch('main'), 'project_path:mygroup/myproject:ref_type:branch:ref:main', false],
    ['project branch with slash', () => project().branch('feature/x'), 'project_path:mygroup/myproject:ref_type:branch:ref:feature/x', false],
    ['project branch pattern', () => project().branch('release/*'), 'project_path:mygroup/myproject:ref_type:branch:ref:release/*', true],
    ['project tag', () => project().tag('v1.2.3'), 'project_path:mygroup/myproject:ref_type:tag:ref:v1.2.3', false],
    ['project tag pattern', () => project().tag('v*'), 'project_path:mygroup/myproject:ref_type:tag:ref:v*', true],
    ['project any branch', () => project().anyBranch(), 'project_path:mygroup/myproject:ref_type:branch:ref:*', true],
    ['project any tag', () => project().anyTag(), 'project_path:mygroup/myproject:ref_type:tag:ref:*', true],
    ['project any ref', () => project().anyRef(), 'project_path:mygroup/myproject:*', true],
    ['nested project', () => GitLabSubject.project('a/b/c/d').branch('main'), 'project_path:a/b/c/d:ref_type:branch:ref:main', false],
    ['group branch', () => group().branch('main'), 'project_path:mygroup/*:ref_type:branch:ref:main', true],
    ['group tag', () => group().tag('v1'), 'project_path:mygroup/*:ref_type:tag:ref:v1', true],
    ['group any branch', () => group().anyBranch(), 'project_path:mygroup/*:ref_type:branch:ref:*', true],
    ['group any tag', () => group().anyTag(), 'project_path:mygroup/*:ref_type:tag:ref:*', true],
    ['group any ref', () => group().anyRef(), 'project_path:mygroup/*', true],
    ['subgroup any ref', () => GitLabSubject.group('mygroup/sub').anyRef(), 'project_path:mygroup/sub/*', true],
    ['raw exact', () => GitLabSubject.fromSub('project_path:g/p:ref:main'), 'project_path:g/p:ref:main', false],
    ['raw pattern', () => GitLabSubject.fromSub('project_path:g/*:ref_type:tag:ref:v?'), 'project_path:g/*:ref_type:tag:ref:v?', true],
    ['raw project id', () => GitLabSubject.fromSub('project_id:42:ref_type:branch:ref:main'), 'project_id:42:ref_type:branch:ref:main', false],
  ])('%s renders %#', (_name, subject, sub, isPattern) => {
    const built = subject();
    expect(built.sub).toBe(sub);
    expect(built.toString()).toBe(sub);
    expect(built.isPattern).toBe(isPattern);
  });
});

describe('GitLab path rules', () => {
  test.each([
    ['', 'must not be empty'],
    ['mygroup', 'must have at least 2 segments'],
    ['mygroup/*', 'must not contain "*" or "?"'],
    ['mygroup/my?project', 'must not contain "*" or "?"'],
    ['mygroup/my:project', 'segment "my:project" must start with a letter'],
    ['mygroup//myproject', 'must not contain an empty segment'],
    ['/mygroup/myproject', 'must not start or end with "/"'],
    ['mygroup/myproject/', 'must not start or end with "/"'],
    ['mygroup/myproject.git', 'must not end in ".git" or ".atom"'],
    ['mygroup/feed.atom', 'must not end in ".git" or ".atom"'],
    ['mygroup/-project', 'segment "-project" must start with a letter'],
    ['my group/project', 'segment "my group" must start with a letter'],
    [Array.from({ length: 23 }, (_, i) => `g${i}`).join('/'), 'must have at most 22 segments'],
  ])('project path %j is refused: %s', (path, message) => {
    expect(() => GitLabSubject.project(path)).toThrow(message);
    expect(() => GitLabSubject.project(path)).toThrow(`got: ${JSON.stringify(path)}`);
  });

  test.each([
    ['mygroup*', 'must not contain "*" or "?"'],
    ['mygroup/', 'must not start or end with "/"'],
    ['', 'must not be empty'],
    ['grp.git', 'must not end in ".git" or ".atom"'],
  ])('group path %j is refused: %s', (path, message) => {
    expect(() => GitLabSubject.group(path)).toThrow(message);
  });

  test.each(['mygroup/myproject', 'My.Group/_proj-1', 'a/b/c', '.hidden/x', 'g/x.gitlab'])('path %j is accepted', (path) => {
    expect(GitLabSubject.project(path).branch('main').sub).toContain(path);
  });
});

describe('branch and tag names follow git-check-ref-format, with "*" as the only wildcard', () => {
  test.each([
    ['', 'must not be empty'],
    ['feature x', 'must not contain white space'],
    ['a~b', 'must not contain white space, control characters or any of ~ ^ : ? [ \\'],
    ['a^b', 'any of ~ ^ : ? [ \\'],
    ['a:b', 'any of ~ ^ : ? [ \\'],
    ['a?b', 'any of ~ ^ : ? [ \\'],
    ['a[b', 'any of ~ ^ : ? [ \\'],
    ['a\\b', 'any of ~ ^ : ? [ \\'],
    ['a\tb', 'must not contain white space'],
    ['a..b', 'must not contain ".."'],
    ['a@{b', 'must not contain "@{"'],
    ['HEAD', 'must not be "HEAD": GitLab refuses it'],
    ['-main', 'must not start with "-": GitLab refuses it (git would read it as an option)'],
    ['--force', 'must not start with "-"'],
    ['refs/heads/main', 'must be the short name ("main", not "refs/heads/main")'],
    ['refs/remotes/origin/main', 'GitLab refuses names starting with refs/heads/ or refs/remotes/'],
    ['/main', 'must not start or end with "/"'],
    ['main/', 'must not start or end with "/"'],
    ['a//b', 'must not contain "//"'],
    ['main.', 'must not end with "."'],
    ['.hidden', 'must not have a component starting with "."'],
    ['a/.b', 'must not have a component starting with "."'],
    ['main.lock', 'must not have a component ending in ".lock"'],
    ['a.lock/b', 'must not have a component ending in ".lock"'],
    ['a${b}', 'must not contain "${"'],
  ])('branch %j is refused: %s', (name, message) => {
    const project = GitLabSubject.project('mygroup/myproject');
    expect(() => project.branch(name)).toThrow(message);
    expect(() => project.branch(name)).toThrow(/^branch name .*, got: /);
    expect(() => project.tag(name)).toThrow(/^tag name /);
    expect(() => project.tag(name)).toThrow(message);
  });

  test.each(['main', 'feature/JIRA-1_x', 'release/*', 'v1.2.3', 'v*', '*-hotfix', 'a@b', 'ü-umlaut', '@', 'a-main', 'head', 'refs/tags/x', 'HEADS', 'feature/refs/heads/x'])('ref %j is accepted', (name) => {
    expect(GitLabSubject.project('g/p').tag(name).sub).toBe(`project_path:g/p:ref_type:tag:ref:${name}`);
  });
});

describe('raw sub strings are validated', () => {
  test.each([
    ['project_path:*', 'must name a literal top-level group before any wildcard'],
    ['project_path:*:ref_type:branch:ref:main', 'must name a literal top-level group before any wildcard'],
    ['project_path:mygroup*', 'must name a literal top-level group before any wildcard'],
    ['project_path:my?roup/p', 'must name a literal top-level group before any wildcard'],
    ['project_path:mygroup*/x:ref_type:branch:ref:main', 'must name a literal top-level group before any wildcard'],
    ['project_path:mygroup', 'must have at least 2 segments'],
    ['*', 'must start with "project_path:" or "project_id:"'],
    ['repo:mygroup/myproject:ref:main', 'must start with "project_path:" or "project_id:"'],
    ['', 'must start with "project_path:" or "project_id:"'],
    ['project_id:12*', 'must name one project ID'],
    ['project_id:*', 'must name one project ID'],
    ['project_id:0', 'must name one project ID'],
    ['project_path:g/p:ref:ma in', 'must not contain white space'],
    ['project_path:g/p:ref:${aws:username}', 'must not contain "${"'],
  ])('raw sub %j is refused: %s', (sub, message) => {
    expect(() => GitLabSubject.fromSub(sub)).toThrow(message);
    expect(() => GitLabSubject.fromSub(sub)).toThrow(`got: ${JSON.stringify(sub)}`);
  });
});

describe('unresolved tokens pass through without validation', () => {
  test('a token project path renders into the sub', () => {
    const path = Token.asString({ Ref: 'ProjectPath' });
    const subject = GitLabSubject.project(path).branch('main');
    expect(subject.sub).toBe(`project_path:${path}:ref_type:branch:ref:main`);
    expect(subject.isPattern).toBe(false);
  });

  test('a token ref and a token raw sub are accepted', () => {
    const ref = Token.asString({ Ref: 'Branch' });
    expect(GitLabSubject.project('g/p').branch(ref).sub).toBe(`project_path:g/p:ref_type:branch:ref:${ref}`);
    const raw = Token.asString({ Ref: 'Sub' });
    expect(GitLabSubject.fromSub(raw).sub).toBe(raw);
  });
});
