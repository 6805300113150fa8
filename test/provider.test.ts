import { App, CfnParameter, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider } from '../src';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
}

describe('GitLabOidcProvider', () => {
  test('defaults to gitlab.com with audience https://gitlab.com on a native resource, retained', () => {
    const stack = newStack();
    const provider = new GitLabOidcProvider(stack, 'GitLab');

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
    template.hasResource('AWS::IAM::OIDCProvider', {
      Properties: { Url: 'https://gitlab.com', ClientIdList: ['https://gitlab.com'], ThumbprintList: Match.absent() },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(provider.issuerUrl).toBe('https://gitlab.com');
    expect(provider.conditionKeyPrefix).toBe('gitlab.com');
    expect(provider.audiences).toEqual(['https://gitlab.com']);
  });

  test('a self-managed instance under a relative URL root keeps its path in the condition-key prefix', () => {
    const stack = newStack();
    const provider = new GitLabOidcProvider(stack, 'GitLab', {
      url: 'https://example.com/gitlab',
      audiences: ['https://example.com/gitlab', 'sts.amazonaws.com'],
      thumbprints: ['0123456789abcdef0123456789ABCDEF01234567'],
    });

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://example.com/gitlab',
      ClientIdList: ['https://example.com/gitlab', 'sts.amazonaws.com'],
      ThumbprintList: ['0123456789abcdef0123456789ABCDEF01234567'],
    });
    expect(provider.conditionKeyPrefix).toBe('example.com/gitlab');
  });

  test('removalPolicy DESTROY deletes the provider with the stack', () => {
    const stack = newStack();
    new GitLabOidcProvider(stack, 'GitLab', { removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::IAM::OIDCProvider', { DeletionPolicy: 'Delete' });
  });

  test('the props it is given are not mutated', () => {
    const stack = newStack();
    const props = Object.freeze({
      audiences: Object.freeze(['https://gitlab.com']) as string[],
      thumbprints: Object.freeze(['a'.repeat(40)]) as string[],
    });
    const provider = new GitLabOidcProvider(stack, 'GitLab', props);
    expect(provider.audiences).not.toBe(props.audiences);
    expect(props.audiences).toEqual(['https://gitlab.com']);
  });

  test('thumbprints for gitlab.com are warned about, since IAM ignores them there', () => {
    const stack = newStack();
    new GitLabOidcProvider(stack, 'GitLab', { thumbprints: ['a'.repeat(40)] });
    Annotations.fromStack(stack).hasWarning('/Stack/GitLab', Match.stringLikeRegexp('thumbprints are ignored for https://gitlab.com'));
  });

  test('no warning for the default setup', () => {
    const stack = newStack();
    new GitLabOidcProvider(stack, 'GitLab');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('token audiences and thumbprints pass through to the resource', () => {
    const stack = newStack();
    const audience = new CfnParameter(stack, 'Audience').valueAsString;
    const thumbprint = new CfnParameter(stack, 'Thumbprint').valueAsString;
    new GitLabOidcProvider(stack, 'GitLab', { audiences: [audience], thumbprints: [thumbprint] });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::OIDCProvider', {
      ClientIdList: [{ Ref: 'Audience' }],
      ThumbprintList: [{ Ref: 'Thumbprint' }],
    });
  });

  describe('rejects bad input with a validation error that names the value and the rule', () => {
    test.each([
      ['https://gitlab.com/', 'must not end with "/"'],
      ['http://gitlab.com', 'must start with https://'],
      ['gitlab.com', 'must start with https://'],
      ['https://gitlab.com?x=1', 'must not contain a query string'],
      ['https://gitlab.com#frag', 'must not contain a fragment'],
      ['https://gitlab.com:443', 'must not contain a port'],
      ['https://user@gitlab.com', 'must not contain user information'],
      ['https://gitlab .com', 'must not contain white space'],
      ['https://', 'must not end with "/"'],
      ['https://exa_mple.com', 'must have a valid host name'],
      ['https://-bad.example.com', 'must have a valid host name'],
      ['https://example.com//gitlab', 'must not contain an empty path segment'],
      [`https://${'a'.repeat(250)}.com`, 'must be at most 255 characters'],
    ])('url %j: %s', (url, message) => {
      const stack = newStack();
      let error: unknown;
      try {
        new GitLabOidcProvider(stack, 'GitLab', { url });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/^Stack: GitLab issuer URL /);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).toContain(`got: ${JSON.stringify(url)}`);
    });

    test.each([
      [[], 'needs at least one audience'],
      [[''], 'an audience must not be empty'],
      [['a'.repeat(256)], 'must be at most 255 characters'],
      [Array.from({ length: 101 }, (_, i) => `aud-${i}`), 'at most 100 audiences'],
      [['x', 'x'], 'audiences must be unique, got: "x" twice'],
      [['my aud'], 'must not contain white space'],
      [['aud*'], 'must not contain white space, "*"'],
      [['aud-$CI_PROJECT_ID'], 'and GitLab expands "$" in id_tokens), got: "aud-$CI_PROJECT_ID"'],
    ])('audiences %#: %s', (audiences, message) => {
      expect(() => new GitLabOidcProvider(newStack(), 'GitLab', { audiences })).toThrow(message);
    });

    test.each([
      [['abc'], 'must be 40 hexadecimal characters'],
      [['g'.repeat(40)], 'must be 40 hexadecimal characters'],
      [['a'.repeat(41)], 'must be 40 hexadecimal characters'],
      [Array.from({ length: 6 }, () => 'a'.repeat(40)), 'at most 5 thumbprints'],
    ])('thumbprints %#: %s', (thumbprints, message) => {
      expect(() => new GitLabOidcProvider(newStack(), 'GitLab', { url: 'https://gitlab.example.com', thumbprints })).toThrow(message);
    });

    test('a token url is refused, because condition keys are derived from it', () => {
      expect(() => new GitLabOidcProvider(newStack(), 'GitLab', { url: Token.asString({ Ref: 'Url' }) }))
        .toThrow('GitLabOidcProvider needs a literal url');
    });
  });
});

describe('importing an existing provider', () => {
  test('fromAccount builds the ARN from the stack partition and account', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = GitLabOidcProvider.fromAccount(stack, 'GitLab');
    expect(stack.resolve(provider.oidcProviderArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':oidc-provider/gitlab.com']],
    });
    expect(provider.issuerUrl).toBe('https://gitlab.com');
    expect(provider.conditionKeyPrefix).toBe('gitlab.com');
    expect(provider.oidcProviderIssuer).toBe('gitlab.com');
    expect(provider.audiences).toEqual(['https://gitlab.com']);
    Template.fromStack(stack).resourceCountIs('AWS::IAM::OIDCProvider', 0);
  });

  test('fromAccount for a self-managed URL, another account and custom audiences', () => {
    const stack = newStack();
    const provider = GitLabOidcProvider.fromAccount(stack, 'GitLab', {
      url: 'https://example.com/gitlab',
      account: '444455556666',
      audiences: ['sts.amazonaws.com'],
    });
    expect(stack.resolve(provider.oidcProviderArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::444455556666:oidc-provider/example.com/gitlab']],
    });
    expect(provider.conditionKeyPrefix).toBe('example.com/gitlab');
    expect(provider.audiences).toEqual(['sts.amazonaws.com']);
  });

  test('fromAccount refuses a bad url', () => {
    expect(() => GitLabOidcProvider.fromAccount(newStack(), 'GitLab', { url: 'https://gitlab.com/' })).toThrow('must not end with "/"');
  });

  test('fromProviderAttributes reads the URL from a literal ARN', () => {
    const provider = GitLabOidcProvider.fromProviderAttributes(newStack(), 'GitLab', {
      providerArn: 'arn:aws-cn:iam::111122223333:oidc-provider/gitlab.example.com',
    });
    expect(provider.oidcProviderArn).toBe('arn:aws-cn:iam::111122223333:oidc-provider/gitlab.example.com');
    expect(provider.issuerUrl).toBe('https://gitlab.example.com');
    expect(provider.conditionKeyPrefix).toBe('gitlab.example.com');
    expect(provider.audiences).toEqual(['https://gitlab.example.com']);
  });

  test('fromProviderAttributes takes a token ARN with a URL', () => {
    const stack = newStack();
    const providerArn = Token.asString({ 'Fn::ImportValue': 'GitLabProviderArn' });
    const provider = GitLabOidcProvider.fromProviderAttributes(stack, 'GitLab', { providerArn, url: 'https://gitlab.com' });
    expect(stack.resolve(provider.oidcProviderArn)).toEqual({ 'Fn::ImportValue': 'GitLabProviderArn' });
    expect(provider.conditionKeyPrefix).toBe('gitlab.com');
  });

  // Named cases: a token's text in a test name changes with the tokens made before it, and mutation runs
  // select tests by name.
  test.each([
    ['a role ARN', { providerArn: 'arn:aws:iam::111122223333:role/x' }, 'providerArn must be an IAM OIDC provider ARN'],
    ['a token ARN without url', { providerArn: Token.asString({ Ref: 'Arn' }) }, 'GitLabOidcProvider.fromProviderAttributes needs url when providerArn is a token'],
    ['another URL than the ARN\'s', { providerArn: 'arn:aws:iam::111122223333:oidc-provider/gitlab.com', url: 'https://example.com' }, 'providerArn is registered for "https://gitlab.com", not for url "https://example.com"'],
    ['no audience', { providerArn: 'arn:aws:iam::111122223333:oidc-provider/gitlab.com', audiences: [] }, 'needs at least one audience'],
  ])('fromProviderAttributes refuses %s', (_name, attrs, message) => {
    expect(() => GitLabOidcProvider.fromProviderAttributes(newStack(), 'GitLab', attrs)).toThrow(message);
  });
});

describe('an imported provider works with newer aws-cdk-lib interfaces too', () => {
  test('it exposes the IOpenIdConnectProvider aliases and a resource reference', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
    const provider = GitLabOidcProvider.fromProviderAttributes(stack, 'GitLab', {
      providerArn: 'arn:aws:iam::111122223333:oidc-provider/gitlab.com',
    }) as any;
    expect(provider.openIdConnectProviderArn).toBe('arn:aws:iam::111122223333:oidc-provider/gitlab.com');
    expect(provider.openIdConnectProviderIssuer).toBe('gitlab.com');
    expect(provider.oidcProviderRef).toEqual({ oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/gitlab.com' });
    expect(provider.env).toEqual({ account: '111122223333', region: '' }); // IAM is global: its ARNs have no region
  });
});

describe('imports at their edges', () => {
  test('fromAccount needs a literal url', () => {
    const url = Token.asString({ Ref: 'Url' });
    expect(() => GitLabOidcProvider.fromAccount(newStack(), 'GitLab', { url }))
      .toThrow(`Stack: GitLabOidcProvider.fromAccount needs a literal url: IAM condition keys such as "gitlab.com:sub" are derived from it, got: "${url}"`);
  });

  test('fromProviderAttributes needs a literal url when the ARN is a token', () => {
    const url = Token.asString({ Ref: 'Url' });
    expect(() => GitLabOidcProvider.fromProviderAttributes(newStack(), 'GitLab', { providerArn: Token.asString({ Ref: 'Arn' }), url }))
      .toThrow(`Stack: GitLabOidcProvider.fromProviderAttributes needs a literal url: IAM condition keys such as "gitlab.com:sub" are derived from it, got: "${url}"`);
  });

  test.each([
    ['text before the ARN', 'xarn:aws:iam::111122223333:oidc-provider/gitlab.com'],
    ['a line after the ARN', 'arn:aws:iam::111122223333:oidc-provider/gitlab.com\nextra'],
    ['an 11-digit account', 'arn:aws:iam::11112222333:oidc-provider/gitlab.com'],
  ])('fromProviderAttributes refuses an ARN with %s', (_name, providerArn) => {
    expect(() => GitLabOidcProvider.fromProviderAttributes(newStack(), 'GitLab', { providerArn }))
      .toThrow(`providerArn must be an IAM OIDC provider ARN ("arn:<partition>:iam::<account>:oidc-provider/<host>"), got: ${JSON.stringify(providerArn)}`);
  });

  test('an imported provider is global: its environment is its account alone', () => {
    const stack = newStack();
    const byAccount = GitLabOidcProvider.fromAccount(stack, 'ByAccount', { account: '444455556666' });
    expect(byAccount.env).toEqual({ account: '444455556666', region: '' });
    const byArn = GitLabOidcProvider.fromProviderAttributes(stack, 'ByArn', { providerArn: 'arn:aws:iam::444455556666:oidc-provider/gitlab.com' });
    expect(byArn.env).toEqual({ account: '444455556666', region: '' });
  });
});

describe('the thumbprint warning, exactly where IAM ignores thumbprints', () => {
  test('the whole warning, for thumbprints on gitlab.com', () => {
    const stack = newStack();
    new GitLabOidcProvider(stack, 'GitLab', { thumbprints: ['a'.repeat(40)] });
    Annotations.fromStack(stack).hasWarning('/Stack/GitLab',
      'thumbprints are ignored for https://gitlab.com: IAM validates its certificate against its trusted CA library. [ack: cdk-gitlab-oidc:thumbprintsIgnored]');
  });

  test('a deploy-time list of thumbprints on gitlab.com is warned about too', () => {
    const stack = newStack();
    new GitLabOidcProvider(stack, 'GitLab', { thumbprints: new CfnParameter(stack, 'Thumbprints', { type: 'CommaDelimitedList' }).valueAsList });
    Annotations.fromStack(stack).hasWarning('/Stack/GitLab', Match.stringLikeRegexp('thumbprints are ignored'));
  });

  test.each<[string, { url?: string; thumbprints?: string[] }]>([
    ['an empty list on gitlab.com', { thumbprints: [] }],
    ['thumbprints for a self-managed instance', { url: 'https://gitlab.example.com', thumbprints: ['a'.repeat(40)] }],
  ])('no warning for %s', (_name, props) => {
    const stack = newStack();
    new GitLabOidcProvider(stack, 'GitLab', props);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('literal thumbprints reach the resource as given', () => {
    const stack = newStack();
    new GitLabOidcProvider(stack, 'GitLab', { url: 'https://gitlab.example.com', thumbprints: ['a'.repeat(40), 'B'.repeat(40)] });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::OIDCProvider', { ThumbprintList: ['a'.repeat(40), 'B'.repeat(40)] });
  });
});
