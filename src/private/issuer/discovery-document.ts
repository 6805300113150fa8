// The OpenID Connect discovery document of a hosted issuer: what STS reads at <issuer>/.well-known/openid-configuration
// to find the keys. Its issuer must equal the tokens' iss (and the IAM provider's URL) character for character, and
// jwks_uri must lie under it, where the construct publishes the keys (GitLab's own path, /oauth/discovery/keys).

/** Where the documents live under the issuer URL (and in the bucket, without the leading "/"). */
export const DISCOVERY_PATH = '.well-known/openid-configuration';
export const JWKS_PATH = 'oauth/discovery/keys';

/**
 * The discovery document for `issuer`: the members OpenID Connect Discovery 1.0 requires of a provider whose tokens
 * others verify (issuer, jwks_uri, the response and subject types, the signing algorithm), without the endpoints of
 * an authorization server the bucket is not.
 */
export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'],
  };
}
