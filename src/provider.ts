import { Annotations, ArnFormat, Lazy, RemovalPolicy, Resource, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { fail, show } from './private/errors';
import { validateAccount } from './private/rules/aws';
import { GITLAB_COM, MAX_AUDIENCES, issuerConditionKeyPrefix, validateAudience, validateAudiences, validateThumbprints } from './private/rules/iam-limits';
import { providerArnHost } from './private/rules/oidc-provider-arn';
import { isListToken, isLiteral } from './private/tokens';

/** gitlab.com's issuer, which is also the audience AWS's GitLab guide uses. */

/**
 * A GitLab instance registered as an IAM OIDC identity provider.
 */
export interface IGitLabOidcProvider extends iam.IOidcProvider {
  /**
   * The issuer URL exactly as GitLab writes it into the `iss` claim, e.g. `https://gitlab.com`.
   */
  readonly issuerUrl: string;

  /**
   * The prefix of this provider's IAM condition keys: the issuer URL without `https://`,
   * e.g. `gitlab.com` (for `gitlab.com:sub`) or `example.com/gitlab`.
   */
  readonly conditionKeyPrefix: string;

  /**
   * The audiences (client IDs) the provider accepts. A job's `id_tokens` `aud` must be one of them.
   */
  readonly audiences: string[];
}

/**
 * Properties of a `GitLabOidcProvider`.
 */
export interface GitLabOidcProviderProps {
  /**
   * The GitLab instance's issuer URL: `https://`, host and, for an instance under a relative URL
   * root, its path; no trailing slash, query, fragment or port. It must equal the `iss` claim of
   * the instance's ID tokens character for character.
   *
   * @default 'https://gitlab.com'
   */
  readonly url?: string;

  /**
   * The audiences (client IDs) jobs may request in `id_tokens`. 1 to 100 entries of up to
   * 255 characters.
   *
   * @default - `[url]`, the audience AWS's GitLab guide uses
   */
  readonly audiences?: string[];

  /**
   * SHA-1 thumbprints (40 hex characters, at most 5) of the certificate chain serving the
   * instance's keys. Needed only for a self-managed instance whose certificate does not chain to
   * a certificate authority AWS trusts; IAM ignores them for gitlab.com.
   *
   * @default - none: IAM validates the certificate against its trusted CA library
   */
  readonly thumbprints?: string[];

  /**
   * What happens to the provider when it leaves the stack. The provider is an account-wide
   * singleton that every GitLab role in the account depends on, so it is kept by default.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Options for `GitLabOidcProvider.fromAccount()`.
 */
export interface GitLabOidcProviderLookupOptions {
  /**
   * The issuer URL the provider was registered with.
   *
   * @default 'https://gitlab.com'
   */
  readonly url?: string;

  /**
   * The audiences (client IDs) the existing provider accepts.
   *
   * @default - `[url]`
   */
  readonly audiences?: string[];

  /**
   * The account that holds the provider. STS looks a token's provider up in the account of the role
   * being assumed, so it must be the account of the roles that use it.
   *
   * @default - the stack's account
   */
  readonly account?: string;
}

/**
 * Attributes of an existing provider, for `GitLabOidcProvider.fromProviderAttributes()`.
 */
export interface GitLabOidcProviderAttributes {
  /**
   * The provider's ARN, e.g. `arn:aws:iam::111122223333:oidc-provider/gitlab.com`.
   */
  readonly providerArn: string;

  /**
   * The issuer URL the provider was registered with.
   *
   * @default - read from the ARN, which must then be a literal
   */
  readonly url?: string;

  /**
   * The audiences (client IDs) the existing provider accepts.
   *
   * @default - `[url]`
   */
  readonly audiences?: string[];
}

/**
 * Registers a GitLab instance (gitlab.com by default) as an IAM OIDC identity provider, as a native
 * `AWS::IAM::OIDCProvider` resource (no custom resource, no Lambda function).
 *
 * An account holds one provider per URL. If the account already has one, import it with
 * `GitLabOidcProvider.fromAccount()` instead of creating a second.
 *
 * @resource AWS::IAM::OIDCProvider
 */
export class GitLabOidcProvider extends iam.OidcProviderNative implements IGitLabOidcProvider {
  /**
   * Imports the provider an account already has for a GitLab URL (gitlab.com by default).
   *
   * The ARN is built from the stack's partition and account:
   * `arn:{partition}:iam::{account}:oidc-provider/gitlab.com`.
   * @param scope the construct scope
   * @param id the construct ID
   * @param options the provider's URL, audiences and account
   */
  public static fromAccount(scope: Construct, id: string, options: GitLabOidcProviderLookupOptions = {}): IGitLabOidcProvider {
    const url = options.url ?? GITLAB_COM;
    const prefix = issuerConditionKeyPrefix(url, 'GitLabOidcProvider.fromAccount', scope);
    const stack = Stack.of(scope);
    const account = options.account ?? stack.account;
    validateAccount(account, 'GitLabOidcProvider.fromAccount account', scope);
    const providerArn = stack.formatArn({
      service: 'iam',
      region: '',
      account,
      resource: 'oidc-provider',
      resourceName: prefix,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    return new ImportedGitLabOidcProvider(scope, id, { arn: providerArn, url, prefix, audiences: options.audiences });
  }

  /**
   * Imports an existing provider by its ARN (and its URL, when the ARN is not a literal).
   * @param scope the construct scope
   * @param id the construct ID
   * @param attrs the provider's ARN, URL and audiences
   */
  public static fromProviderAttributes(scope: Construct, id: string, attrs: GitLabOidcProviderAttributes): IGitLabOidcProvider {
    const arnName = isLiteral(attrs.providerArn) ? providerArnHost(attrs.providerArn) : undefined;
    if (isLiteral(attrs.providerArn) && arnName === undefined) {
      fail(`providerArn must be an IAM OIDC provider ARN ("arn:<partition>:iam::<account>:oidc-provider/<host>"), got: ${show(attrs.providerArn)}`, scope);
    }
    const url = attrs.url ?? (arnName !== undefined ? `https://${arnName}` : undefined);
    if (url === undefined) fail('GitLabOidcProvider.fromProviderAttributes needs url when providerArn is a token', scope);
    const prefix = issuerConditionKeyPrefix(url, 'GitLabOidcProvider.fromProviderAttributes', scope);
    if (arnName !== undefined && arnName !== prefix) {
      fail(`providerArn is registered for "https://${arnName}", not for url ${show(url)}`, scope);
    }
    return new ImportedGitLabOidcProvider(scope, id, { arn: attrs.providerArn, url, prefix, audiences: attrs.audiences });
  }

  public readonly issuerUrl: string;
  public readonly conditionKeyPrefix: string;
  public readonly audiences: string[];

  /**
   * @param scope the construct scope
   * @param id the construct ID
   * @param props the provider's URL, audiences, thumbprints and removal policy (gitlab.com by default)
   */
  constructor(scope: Construct, id: string, props: GitLabOidcProviderProps = {}) {
    const url = props.url ?? GITLAB_COM;
    // aws-cdk-lib checks the URL's scheme at synth time, and IAM condition keys are built from it.
    const prefix = issuerConditionKeyPrefix(url, 'GitLabOidcProvider', scope);
    const audiences = [...(props.audiences ?? [url])];
    validateAudiences(audiences, scope);
    const thumbprints = props.thumbprints ? [...props.thumbprints] : undefined;
    validateThumbprints(thumbprints ?? [], scope);

    // The client ID list is read at synth, so audiences added later (addAudience) are in it.
    super(scope, id, { url, clientIds: isListToken(audiences) ? audiences : Lazy.list({ produce: () => [...audiences] }) });
    // aws-cdk-lib measures each thumbprint at synth time, which a token or a deploy-time list would fail:
    // the list, validated above, goes straight to the resource.
    // Stryker disable next-line ConditionalExpression: writing no list renders no list
    if (thumbprints) (this.node.defaultChild as iam.CfnOIDCProvider).thumbprintList = thumbprints;

    this.issuerUrl = url;
    this.conditionKeyPrefix = prefix;
    this.audiences = audiences;
    this.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.node.addValidation({ validate: () => this.audienceCountProblems() });

    if (thumbprints && (isListToken(thumbprints) || thumbprints.length > 0) && url === GITLAB_COM) {
      Annotations.of(this).addWarningV2('cdk-gitlab-oidc:thumbprintsIgnored',
        'thumbprints are ignored for https://gitlab.com: IAM validates its certificate against its trusted CA library.');
    }
  }

  /**
   * Adds an audience (client ID) the provider accepts, if it does not list it yet: for a role of its own
   * audience, created after the provider (a job's token then opens no other role). Add it before the role.
   * @param audience the audience: a literal of 1 to 255 characters, no white space, `*`, `?` or `${`
   */
  public addAudience(audience: string): void {
    validateAudience(audience, this);
    if (isListToken(this.audiences)) {
      fail(`cannot add audience ${show(audience)}: the provider's audiences are a deploy-time list; list every audience there`, this);
    }
    if (!this.audiences.includes(audience)) this.audiences.push(audience);
  }

  private audienceCountProblems(): string[] {
    // Stryker disable next-line ConditionalExpression: a deploy-time list was counted as one at construction
    if (isListToken(this.audiences) || this.audiences.length <= MAX_AUDIENCES) return [];
    return [`GitLab OIDC provider accepts at most ${MAX_AUDIENCES} audiences (IAM limit), got: ${this.audiences.length} (${this.audiences.join(', ')})`];
  }
}

/** What an imported provider is known by. */
interface ImportedProviderAttributes {
  readonly arn: string;
  readonly url: string;
  readonly prefix: string;
  readonly audiences?: string[];
}

/** A provider that already exists, imported by ARN. */
class ImportedGitLabOidcProvider extends Resource implements IGitLabOidcProvider {
  public readonly oidcProviderArn: string;
  public readonly oidcProviderIssuer: string;
  public readonly issuerUrl: string;
  public readonly conditionKeyPrefix: string;
  public readonly audiences: string[];

  constructor(scope: Construct, id: string, attrs: ImportedProviderAttributes) {
    // IAM is global: the provider's environment is its account alone, which its ARN holds (an IAM ARN has
    // no region).
    super(scope, id, { environmentFromArn: attrs.arn });
    const audiences = [...(attrs.audiences ?? [attrs.url])];
    validateAudiences(audiences, this);
    this.oidcProviderArn = attrs.arn;
    this.oidcProviderIssuer = attrs.prefix;
    this.issuerUrl = attrs.url;
    this.conditionKeyPrefix = attrs.prefix;
    this.audiences = audiences;
  }

  // Newer aws-cdk-lib releases add these members to iam.IOidcProvider; implementing them here keeps an
  // imported provider usable with every release the package supports.
  /** The ARN, under the name iam.IOpenIdConnectProvider uses. */
  public get openIdConnectProviderArn(): string {
    return this.oidcProviderArn;
  }

  /** The issuer, under the name iam.IOpenIdConnectProvider uses. */
  public get openIdConnectProviderIssuer(): string {
    return this.oidcProviderIssuer;
  }

  /** A reference to the provider, as aws-cdk-lib's resource reference interfaces expect. */
  public get oidcProviderRef(): { oidcProviderArn: string } {
    return { oidcProviderArn: this.oidcProviderArn };
  }
}
