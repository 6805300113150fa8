// What `npm pack` ships: the compiled library, its jsii assembly and docs, and nothing else.
// Runs after `jsii` in the build (lib/ and .jsii must exist).
import { execFileSync } from 'child_process';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { PROCESS_MS, PROCESS_TEST_MS } from './support/timeouts';

// npm pack runs as a process.
jest.setTimeout(PROCESS_TEST_MS);

const root = join(__dirname, '..');

function packedFiles(): string[] {
  if (!existsSync(join(root, '.jsii'))) throw new Error('no .jsii: run `npx projen compile` (or the build) before this test');
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: PROCESS_MS });
  return JSON.parse(output)[0].files.map((f: { path: string }) => f.path).sort();
}

test('npm pack ships lib/, .jsii, API.md, README and LICENSE, and nothing else', () => {
  const modules = (readdirSync(join(root, 'src'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
  const expected = [
    '.jsii', 'API.md', 'LICENSE', 'README.md', 'package.json',
    ...modules.flatMap((m) => [`lib/${m}.d.ts`, `lib/${m}.js`]),
  ].sort();
  expect(packedFiles()).toEqual(expected);
});

test('the compiled JavaScript carries no source maps or sources', () => {
  for (const file of (readdirSync(join(root, 'lib'), { recursive: true }) as string[]).filter((f) => f.endsWith('.js'))) {
    expect(readFileSync(join(root, 'lib', file), 'utf8')).not.toContain('sourceMappingURL');
  }
});

test('the package has no runtime dependency beyond its peers, and the AGPL judge is a dev dependency only', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(manifest.bundledDependencies ?? manifest.bundleDependencies ?? []).toEqual([]);
  expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  expect(manifest.peerDependencies['aws-cdk-lib']).toBe('^2.200.0');
  expect(manifest.devDependencies['aws-cdk-lib']).toBe('2.200.0');
  expect(Object.keys(manifest.devDependencies)).toContain('@cloud-copilot/iam-simulate');
});

test('Construct Hub metadata', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(manifest.keywords).toEqual(expect.arrayContaining(['cdk', 'awscdk', 'aws-cdk', 'gitlab', 'oidc']));
  expect(manifest.description).toMatch(/GitLab CI\/CD jobs assume AWS IAM roles through OpenID Connect/);
  expect(manifest.repository.url).toMatch(/^https:\/\//);
  expect(manifest.stability).toBe('experimental');
  expect(manifest.license).toBe('Apache-2.0');
  expect(Object.keys(manifest.jsii.targets).sort()).toEqual(['dotnet', 'go', 'java', 'python']);
  expect(manifest.jsii.metadata.jsii.rosetta.strict).toBe(true);
});
