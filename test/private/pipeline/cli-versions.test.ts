// The versions the jobs pin: the app's installed packages, found from its folder as Node.js finds them.
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { DEFAULT_CDK_ASSETS_VERSION, cdkAssetsVersion, cdkCliVersion } from '../../../src/private/pipeline/cli-versions';

function appFolder(installed: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cli-versions-'));
  for (const [name, version] of Object.entries(installed)) {
    mkdirSync(join(root, 'node_modules', name), { recursive: true });
    writeFileSync(join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
  }
  // The app may live in a folder below the one its packages are installed in.
  mkdirSync(join(root, 'infra'));
  return join(root, 'infra');
}

test('each package\'s installed version, found from the app\'s folder upwards', () => {
  const app = appFolder({ 'aws-cdk': '2.1234.5', 'cdk-assets': '4.8.0' });
  expect(cdkCliVersion(app, new App())).toBe('2.1234.5');
  expect(cdkAssetsVersion(app)).toBe('4.8.0');
});

test('cdk-assets falls back to the default; the CDK CLI has none, and says how to set it', () => {
  const app = appFolder({});
  expect(cdkAssetsVersion(app)).toBe(DEFAULT_CDK_ASSETS_VERSION);
  expect(DEFAULT_CDK_ASSETS_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  expect(() => cdkCliVersion(app, new App())).toThrow(
    `GitLabCiPipeline pins the CDK CLI of the deploy jobs to the app's: install aws-cdk for the app (npm install --save-dev aws-cdk) or set cdkCliVersion, got: no aws-cdk package found from ${JSON.stringify(app)}`);
});
