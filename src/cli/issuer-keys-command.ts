// `cdk-gitlab-oidc issuer-keys`: the step of the keys sync job (GitLabHostedIssuer.keysSyncJob()) that decides what the
// hosted issuer publishes. It checks the instance's keys as the construct checks its first upload, keeps each key the
// instance stopped listing for a grace period, and writes nothing when anything is refused: the job then stops before
// its upload, and the published keys stay as they were.
import { writeFileSync } from 'fs';
import { resolve } from 'path';
import { commandOptions, exitCode } from './command-line';
import { CommandIo } from './explain-command';
import { readText } from './token-sources';
import { UsageError } from './usage-error';
import { checkJsonDepth, printable } from '../private/explain/untrusted-input';
import { nextPublication, publicationSummary, readSightings } from '../private/issuer/keys/key-rotation';
import { publicJwks } from '../private/issuer/keys/public-jwks';

export const ISSUER_KEYS_HELP = `Usage: cdk-gitlab-oidc issuer-keys --instance <file> --published <file> --out <file> --sightings-out <file> [options]

Checks a GitLab instance's signing keys (what its /oauth/discovery/keys serves) and writes the key set a
hosted issuer (GitLabHostedIssuer) publishes: the instance's keys, and each key the instance listed before,
for --grace-hours after it last listed it, so that tokens signed before a rotation keep verifying.

  --instance <file>        the instance's key set
  --published <file>       the key set published now
  --sightings <file>       when each published key was last listed (the last run's --sightings-out;
                           default: none, every published key counts as listed now)
  --grace-hours <n>        how long a key stays after the instance stops listing it, 1 to 8760
                           (default: 168, a week; at least your longest job timeout)
  --out <file>             where to write the key set to publish
  --sightings-out <file>   where to write the sightings to keep
  -h, --help               print this help

Refused, writing nothing (exit 2): a key set with a private key member (d, p, q, dp, dq, qi, oth, k), a key
that is not an RSA key for RS256 signatures, a missing or repeated kid, a modulus under 2048 bits, a kid
whose key material changed, a sighting in the future. Exit 0 when both files are written.
`;

/** Runs `issuer-keys` with its arguments; returns the exit code. */
export function runIssuerKeys(args: string[], io: CommandIo & { readonly now?: () => Date }): number {
  return exitCode('issuer-keys', () => issuerKeys(args, io), io.stderr, 'refused', false);
}

function issuerKeys(args: string[], io: CommandIo & { readonly now?: () => Date }): number {
  const values = commandOptions(args, {
    'instance': { type: 'string' },
    'published': { type: 'string' },
    'sightings': { type: 'string' },
    'grace-hours': { type: 'string' },
    'out': { type: 'string' },
    'sightings-out': { type: 'string' },
    'help': { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(ISSUER_KEYS_HELP);
    return 0;
  }
  const required = (flag: string) => {
    const value = values[flag];
    if (typeof value !== 'string' || value === '') throw new UsageError(`--${flag} is required (see --help)`);
    return value;
  };
  const graceText = (values['grace-hours'] as string | undefined) ?? '168';
  if (!/^[1-9][0-9]{0,3}$/.test(graceText) || Number(graceText) > 8760) throw new UsageError(`--grace-hours must be a whole number from 1 to 8760, got: ${graceText}`);
  const read = (flag: string) => {
    const file = required(flag);
    let value: unknown;
    try {
      value = JSON.parse(readText(io.cwd, file, `--${flag}`));
      checkJsonDepth(value, `--${flag} ${file}`);
    } catch (e) {
      throw new UsageError(e instanceof UsageError ? e.message : `--${flag}: ${file} is not JSON: ${(e as Error).message}`);
    }
    return value;
  };
  const instance = publicJwks(read('instance'), `--instance ${values.instance}`);
  const published = publicJwks(read('published'), `--published ${values.published}`);
  const sightings = values.sightings === undefined ? undefined : readSightings(read('sightings'), `--sightings ${values.sightings}`);
  const out = required('out');
  const sightingsOut = required('sightings-out');
  const publication = nextPublication(instance, published, sightings, (io.now ?? (() => new Date()))(), Number(graceText) * 3_600_000);
  writeFileSync(resolve(io.cwd, out), JSON.stringify(publication.jwks));
  writeFileSync(resolve(io.cwd, sightingsOut), JSON.stringify(publication.sightings));
  io.stdout(`${printable(publicationSummary(publication), false)}\n`);
  return 0;
}
