// The `cdk-gitlab-oidc` command as the package ships it: package.json's "bin" entry, compiled into lib/.
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');

/** The compiled script `npx cdk-gitlab-oidc` runs. Throws when the library is not compiled. */
export function builtCommand(): string {
  const bin = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin['cdk-gitlab-oidc'];
  const script = join(ROOT, bin);
  if (!existsSync(script)) throw new Error(`no ${bin}: run \`npx projen compile\` (or the build) before this test`);
  return script;
}
