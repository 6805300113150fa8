// AWS's formats as the rules read them: every part of each pattern, on both sides of its limit.
import { AWS_ACCOUNT_ID, AWS_REGION, IAM_ROLE_ARN } from '../../../src/private/rules/aws';
import { providerArnHost } from '../../../src/private/rules/oidc-provider-arn';

describe('an IAM role ARN', () => {
  test.each([
    'arn:aws:iam::123456789012:role/gitlab-deploy',
    'arn:aws-cn:iam::123456789012:role/x',
    'arn:aws-us-gov:iam::123456789012:role/x',
    'arn:aws:iam::123456789012:role/ci/x',
    'arn:aws:iam::123456789012:role/ci/gitlab/x',
    'arn:aws:iam::123456789012:role/a+b=c,d.e@f_g-h',
    `arn:aws:iam::123456789012:role/${'n'.repeat(64)}`,
  ])('%s is one', (arn) => {
    expect(IAM_ROLE_ARN.test(arn)).toBe(true);
  });

  test.each([
    ['text before it', 'xarn:aws:iam::123456789012:role/x'],
    ['text after it', 'arn:aws:iam::123456789012:role/x y'],
    ['a partition with a digit', 'arn:aws1:iam::123456789012:role/x'],
    ['another service', 'arn:aws:s3:::bucket'],
    ['a short account', 'arn:aws:iam::1234:role/x'],
    ['an account of letters', 'arn:aws:iam::abcdefghijkl:role/x'],
    ['a user', 'arn:aws:iam::123456789012:user/x'],
    ['no name', 'arn:aws:iam::123456789012:role/'],
    ['a name over 64 characters', `arn:aws:iam::123456789012:role/${'n'.repeat(65)}`],
    ['a character IAM refuses in the name', 'arn:aws:iam::123456789012:role/x!'],
    ['a character IAM refuses in the path', 'arn:aws:iam::123456789012:role/c!/x'],
    ['an empty path segment', 'arn:aws:iam::123456789012:role/ci//x'],
  ])('%s is not one: %s', (_name, arn) => {
    expect(IAM_ROLE_ARN.test(arn)).toBe(false);
  });
});

describe('an account ID and a region name', () => {
  test.each<[string, boolean]>([
    ['123456789012', true], ['12345678901', false], ['1234567890123', false], ['12345678901a', false], [' 123456789012', false],
  ])('account %p: %p', (account, expected) => {
    expect(AWS_ACCOUNT_ID.test(account)).toBe(expected);
  });

  test.each<[string, boolean]>([
    ['eu-west-1', true], ['us-gov-west-1', true], ['ap-southeast-7', true], ['me-central-12', true], ['cn-north-1', true],
    ['eu-west', false], ['eu-west-123', false], ['e-west-1', false], ['europe-west-1', false], ['eu-1', false], ['EU-WEST-1', false], ['xeu-west-1 ', false],
  ])('region %p: %p', (region, expected) => {
    expect(AWS_REGION.test(region)).toBe(expected);
  });
});

describe('an IAM OIDC provider ARN', () => {
  test.each([
    ['arn:aws:iam::123456789012:oidc-provider/gitlab.com', 'gitlab.com'],
    ['arn:aws-us-gov:iam::123456789012:oidc-provider/gitlab.example.com/gitlab', 'gitlab.example.com/gitlab'],
    ['arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/gitlab.com', 'gitlab.com'],
    ['arn:aws-cn:iam::${AWS::AccountId}:oidc-provider/g', 'g'],
  ])('%s names %s', (arn, host) => {
    expect(providerArnHost(arn)).toBe(host);
  });

  test.each([
    ['text before it', 'xarn:aws:iam::123456789012:oidc-provider/gitlab.com'],
    ['a line after it', 'arn:aws:iam::123456789012:oidc-provider/gitlab.com\nx'],
    ['a partition with a digit', 'arn:aws1:iam::123456789012:oidc-provider/gitlab.com'],
    ['no partition', 'arn::iam::123456789012:oidc-provider/gitlab.com'],
    ['a short account', 'arn:aws:iam::1234:oidc-provider/gitlab.com'],
    ['an account of letters', 'arn:aws:iam::abcdefghijkl:oidc-provider/gitlab.com'],
    ['no host', 'arn:aws:iam::123456789012:oidc-provider/'],
    ['a role', 'arn:aws:iam::123456789012:role/gitlab.com'],
  ])('%s: not one', (_name, arn) => {
    expect(providerArnHost(arn)).toBeUndefined();
  });
});
