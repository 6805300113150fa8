// Differential test of the library's trust-policy evaluator (src/private/explain) against the
// independent judge, @cloud-copilot/iam-simulate: random policies over every operator form the
// evaluator supports, random request contexts, and the same verdict from both on every case.
// The corpus suites (property, matrix, features) run the same comparison on every case they judge.
//
// Values are never empty and multivalued keys never empty sets: STS sets neither from a token, and
// AWS documents neither case, on which the two evaluators differ (iam-simulate reads "" as absent).
// A single-valued operator on a multivalued key fails, as iam-simulate does (AWS: a multivalued key
// needs ForAnyValue or ForAllValues). Policy values sometimes hold IAM policy variables (`${gitlab.com:sub}`, the
// escapes `${*}`, `${?}`, `${$}`), which the evaluator does not substitute: it may answer UNDETERMINED there, never
// the other verdict. Statements sometimes use NotAction.
import * as fc from 'fast-check';
import { judge, loadTrustPolicy } from './support/judge';
import { countExplained, recordVerdicts, emptyCounts } from './support/verdicts';
import { evaluateTrustPolicy } from '../../src/private/explain/evaluate';
import { readTrustPolicy } from '../../src/private/explain/policy';

const SEED = Number(process.env.FC_SEED ?? 20261126);
const RUNS = Number(process.env.FC_RUNS_EXPLAIN ?? 20_000);
const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';
const ROLE = 'arn:aws:iam::111122223333:role/Role';

const KEYS = ['gitlab.com:sub', 'gitlab.com:aud', 'gitlab.com:project_id', 'GitLab.com:Ref_Protected', 'example.com/gitlab:sub'];
const valueArb = fc.stringMatching(/^[aAb:/]{1,3}$/);
const variableArb = fc.constantFrom('${gitlab.com:sub}', '${gitlab.com:aud}', 'a${*}', '${?}b', 'a${$}', '${aws:username}');
const patternArb = fc.oneof({ weight: 12, arbitrary: fc.stringMatching(/^[aAb:/*?]{1,4}$/) }, { weight: 1, arbitrary: variableArb });
const BASES = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'];

const stringOperatorArb = fc.tuple(fc.constantFrom('', 'ForAnyValue:', 'ForAllValues:'), fc.constantFrom(...BASES), fc.boolean())
  .map(([set, base, ifExists]) => `${set}${base}${ifExists ? 'IfExists' : ''}`);
const operatorArb = fc.oneof({ weight: 8, arbitrary: stringOperatorArb }, { weight: 1, arbitrary: fc.constant('Null') });

const valuesArb = fc.oneof(patternArb, fc.array(patternArb, { minLength: 1, maxLength: 3 }));
const keysArb = fc.dictionary(fc.constantFrom(...KEYS), valuesArb, { minKeys: 1, maxKeys: 2 });
const conditionArb = fc.dictionary(operatorArb, keysArb, { minKeys: 0, maxKeys: 3 })
  .map((block) => Object.fromEntries(Object.entries(block).map(([op, keys]) => [op, op === 'Null'
    ? Object.fromEntries(Object.keys(keys).map((k, i) => [k, i % 2 === 0 ? 'true' : 'false'])) : keys])));

const actionFields = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom<unknown>('sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithWebIdentity', 'sts:*', 'sts:AssumeRole',
      ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity'], 'STS:assumerolewithwebidentity').map((Action) => ({ Action })),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('sts:TagSession', 'sts:AssumeRoleWith*', ['sts:AssumeRole', 'sts:TagSession']).map((NotAction) => ({ NotAction })) },
);

const statementArb = fc.tuple(fc.record({
  Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
  Principal: fc.constantFrom<unknown>({ Federated: PROVIDER }, { Federated: PROVIDER }, { Federated: [PROVIDER, 'arn:aws:iam::111122223333:oidc-provider/other'] },
    { Federated: 'arn:aws:iam::111122223333:oidc-provider/other' }, '*', { AWS: '*' }),
  Condition: conditionArb,
}), actionFields).map(([statement, action]) => ({ ...statement, ...action }));

const policyArb = fc.array(statementArb, { minLength: 1, maxLength: 3 }).map((Statement) => ({ Version: '2012-10-17', Statement }));

const contextArb = fc.dictionary(fc.constantFrom(...KEYS.map((k) => k.toLowerCase())), fc.oneof(
  { weight: 4, arbitrary: valueArb },
  { weight: 1, arbitrary: fc.array(valueArb, { minLength: 1, maxLength: 3 }) },
), { maxKeys: 5 });

test(`the evaluator agrees with iam-simulate on ${RUNS} random policies and requests`, () => {
  const counts = emptyCounts();
  const disagreements: unknown[] = [];
  const decisions = { allowed: 0, denied: 0, undetermined: 0 };
  fc.assert(fc.property(policyArb, contextArb, (document, context) => {
    const expected = judge(loadTrustPolicy(document), PROVIDER, ROLE, context as Record<string, string>);
    const got = evaluateTrustPolicy(readTrustPolicy(document), { providerArn: PROVIDER, context }).decision;
    // UNDETERMINED is allowed only where the policy holds a variable; otherwise, and always in its verdict, it must agree.
    const variable = JSON.stringify(document).includes('${');
    countExplained(counts, expected, got, variable);
    decisions[got]++;
    if (got === 'undetermined' ? !variable : (expected === 'allow') !== (got === 'allowed')) disagreements.push({ document, context, expected, got });
  }), { seed: SEED, numRuns: RUNS });
  recordVerdicts('explain', counts);
  expect(disagreements.slice(0, 3)).toEqual([]);
  // Both verdicts in earnest, or the comparison proves little.
  expect(decisions.allowed).toBeGreaterThan(RUNS * 0.1);
  expect(decisions.denied).toBeGreaterThan(RUNS * 0.1);
  // Policy variables occur, and leave most verdicts decided.
  expect(decisions.undetermined).toBeGreaterThan(0);
  expect(decisions.undetermined).toBeLessThan(RUNS * 0.2);
}, 300_000);
