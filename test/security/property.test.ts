// Property-based differential testing: random roles built from random subject specs, random jobs
// (mostly near misses of those specs), the expected verdict from the specs' meaning (oracle.ts), the
// actual verdict from the synthesized template through STS's checks and the independent IAM judge.
// Seeded and reproducible: FC_SEED and FC_RUNS override the defaults.
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { FixtureIssuer, gitLabClaims, JobSpec } from './support/issuer';
import { admits, jobArb, SubjectSpec, subjectSpecArb, toSubject } from './support/oracle';
import { ACCOUNT, EmulatedAccount } from './support/sts';
import { count, emptyCounts, recordVerdicts } from './support/verdicts';
import { GitLabOidcProvider, GitLabRunnerRole } from '../../src';
import { ISSUER_START_TEST_MS } from '../support/timeouts';

const SEED = Number(process.env.FC_SEED ?? 20261125);
const ROLES = Number(process.env.FC_RUNS ?? 1000);
const JOBS_PER_ROLE = 100;
/** One job in this many also goes through a real signed token and JWKS verification. */
const SIGNED_EVERY = 50;
const NOW = new Date('2026-11-25T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

/** Provider setups: URL, client IDs, and the audience the role uses. */
const PROVIDERS = [
  { url: 'https://gitlab.com', audiences: undefined, audience: undefined },
  { url: 'https://gitlab.com', audiences: ['https://gitlab.com', 'sts.amazonaws.com'], audience: 'sts.amazonaws.com' },
  { url: 'https://gitlab.example.com', audiences: undefined, audience: undefined },
  { url: 'https://example.com/gitlab', audiences: ['https://example.com/gitlab', 'gitlab-ci'], audience: 'gitlab-ci' },
];

interface RoleSetup {
  readonly provider: number;
  readonly specs: SubjectSpec[];
}

interface Job extends JobSpec {
  readonly iss: string;
}

const roleArb: fc.Arbitrary<RoleSetup> = fc.record({
  provider: fc.nat(PROVIDERS.length - 1),
  specs: fc.array(subjectSpecArb, { minLength: 1, maxLength: 3 }),
});

function jobsArb(setup: RoleSetup): fc.Arbitrary<Job[]> {
  const provider = PROVIDERS[setup.provider];
  const audiences = [provider.audience ?? provider.url, ...(provider.audiences ?? []), 'sts.amazonaws.com', `${provider.url}/`];
  const issuers = [provider.url, `${provider.url}/`, ...PROVIDERS.map((p) => p.url)];
  const iss = fc.oneof({ weight: 19, arbitrary: fc.constant(provider.url) }, { weight: 1, arbitrary: fc.constantFrom(...issuers) });
  // Most jobs request the role's audience; the rest try every other value.
  const job = fc.tuple(jobArb(setup.specs, audiences), iss, fc.nat(3)).map(([j, i, a]) =>
    ({ ...j, iss: i, aud: a === 0 ? j.aud : audiences[0] }));
  return fc.array(job, { minLength: JOBS_PER_ROLE, maxLength: JOBS_PER_ROLE });
}

function synthesize(setup: RoleSetup): EmulatedAccount {
  const stack = new Stack(new App(), 'Stack', {
    env: { account: ACCOUNT, region: 'eu-west-1' },
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const { url, audiences, audience } = PROVIDERS[setup.provider];
  const provider = new GitLabOidcProvider(stack, 'GitLab', { url, audiences });
  new GitLabRunnerRole(stack, 'Role', { provider, audience, roleName: 'Role', subjects: setup.specs.map(toSubject) });
  return EmulatedAccount.fromTemplate(Template.fromStack(stack).toJSON(), [], loopback);
}

const issuers: Record<string, FixtureIssuer> = {};
const loopback: Record<string, string> = {};

beforeAll(async () => {
  for (const url of new Set(PROVIDERS.map((p) => p.url))) {
    issuers[url] = await FixtureIssuer.start(url);
    loopback[url] = issuers[url].loopbackUrl;
  }
}, ISSUER_START_TEST_MS);

afterAll(() => Promise.all(Object.values(issuers).map((i) => i.close())));

test(`${ROLES * JOBS_PER_ROLE} random jobs against ${ROLES} random roles: every verdict matches the specs`, async () => {
  const counts = emptyCounts();
  const mismatches: string[][] = [];
  let signed = 0;
  let rendered = 0;

  await fc.assert(fc.asyncProperty(roleArb.chain((setup) => fc.tuple(fc.constant(setup), jobsArb(setup))), async ([setup, jobs]) => {
    const account = synthesize(setup);
    const providerUrl = PROVIDERS[setup.provider].url;
    const roleAudience = PROVIDERS[setup.provider].audience ?? providerUrl;
    let ok = true;
    for (const [i, job] of jobs.entries()) {
      const expected = job.iss === providerUrl && job.aud === roleAudience && setup.specs.some((s) => admits(s, job))
        ? 'allow' : 'deny';
      const claims = { ...gitLabClaims(providerUrl, job, NOW_S), iss: job.iss };
      const outcome = i % SIGNED_EVERY === 0
        ? await account.assumeRoleWithWebIdentity('Role', await issuers[providerUrl].sign(claims), NOW)
        : account.evaluate('Role', claims);
      if (i % SIGNED_EVERY === 0) signed++;
      count(counts, expected, outcome);
      if (outcome.verdict !== expected) {
        ok = false;
        mismatches.push([JSON.stringify(setup.specs), String(claims.sub), job.iss, job.aud, expected, outcome.verdict]);
      }
    }
    rendered++;
    return ok;
  }), { seed: SEED, numRuns: ROLES, endOnFailure: true });

  recordVerdicts('property', counts);
  process.stdout.write(`\nproperty: seed ${SEED}, ${rendered} roles, ${counts.cases} cases (${signed} as signed tokens), ` +
    `${counts.allowed} allowed, ${counts.denied} denied, ${counts.falseAllows} false allows, ${counts.falseDenies} false denies\n`);
  expect(mismatches).toEqual([]);
  // The generators must exercise both verdicts in earnest, or the property proves little.
  expect(counts.allowed).toBeGreaterThan(counts.cases * 0.1);
  expect(counts.denied).toBeGreaterThan(counts.cases * 0.3);
}, 600_000);
