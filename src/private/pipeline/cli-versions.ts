// The versions of the CDK CLI and cdk-assets the jobs run: pinned, and by default the app's own.
import { readFileSync } from 'fs';
import { IConstruct } from 'constructs';
import { fail, show } from '../errors';

/** cdk-assets when the app has none installed: the newest release when this library was built. */
// Stryker disable next-line StringLiteral: a module constant, which Stryker (ignoreStatic) runs with no test; cli-versions.test.ts checks it is a version
export const DEFAULT_CDK_ASSETS_VERSION = '4.7.3';

/** The CDK CLI version installed for the app, which its deploy jobs must run to read its cloud assembly. */
export function cdkCliVersion(appDir: string, scope: IConstruct): string {
  const version = installedVersion('aws-cdk', appDir);
  if (version === undefined) {
    fail('GitLabCiPipeline pins the CDK CLI of the deploy jobs to the app\'s: install aws-cdk for the app (npm install --save-dev aws-cdk) ' +
      `or set cdkCliVersion, got: no aws-cdk package found from ${show(appDir)}`, scope);
  }
  return version;
}

/** The cdk-assets version installed for the app, else the default. */
export function cdkAssetsVersion(appDir: string): string {
  return installedVersion('cdk-assets', appDir) ?? DEFAULT_CDK_ASSETS_VERSION;
}

function installedVersion(pkg: string, appDir: string): string | undefined {
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`, { paths: [appDir] });
  } catch {
    return undefined;
  }
  // Stryker disable next-line StringLiteral: JSON.parse reads a Buffer as UTF-8 text too
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}
