// Where the explain command gets a job's claims from: a JWT (flag, file or environment variable, decoded
// and never verified or printed), decoded claims as JSON, or a CloudTrail AssumeRoleWithWebIdentity event.
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { UsageError } from './usage-error';
import { isObject } from '../private/explain/policy';
import { decodeJwtClaims, parseClaimsJson } from '../private/explain/token-claims';
import { DEFAULT_TOKEN_VARIABLE } from '../private/job/ci-job';

/** The environment variable read when no token or claims are given: the job's default id_tokens name. */
/** The variable the generated jobs give the ID token (the explain command reads it by default). */
export const TOKEN_VARIABLE = DEFAULT_TOKEN_VARIABLE;

export interface ClaimsSource {
  readonly token?: string;
  readonly tokenFile?: string;
  readonly claims?: string;
  readonly claimsFile?: string;
  readonly cloudTrailEvent?: string;
}

export interface ReadClaims {
  readonly claims: Record<string, unknown>;
  /** What the source could not tell, for the report. */
  readonly notes: string[];
}

/** The claims of the one source given (or of $GITLAB_OIDC_TOKEN); files are read relative to `cwd`. */
export function readClaims(source: ClaimsSource, env: NodeJS.ProcessEnv, cwd: string): ReadClaims {
  const given = Object.entries(source).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (given.length > 1) throw new UsageError(`give one of --token, --token-file, --claims, --claims-file, --cloudtrail-event, got: ${given.map(flagOf).join(', ')}`);
  if (source.token !== undefined) return { claims: jwt(source.token, '--token'), notes: [] };
  if (source.tokenFile !== undefined) return { claims: jwt(readText(cwd, source.tokenFile, '--token-file'), `--token-file ${source.tokenFile}`), notes: [] };
  if (source.claims !== undefined) return { claims: claimsJson(source.claims, '--claims'), notes: [] };
  if (source.claimsFile !== undefined) return { claims: claimsJson(readText(cwd, source.claimsFile, '--claims-file'), `--claims-file ${source.claimsFile}`), notes: [] };
  if (source.cloudTrailEvent !== undefined) return cloudTrailClaims(readText(cwd, source.cloudTrailEvent, '--cloudtrail-event'), source.cloudTrailEvent);
  const fromEnv = env[TOKEN_VARIABLE];
  if (fromEnv) return { claims: jwt(fromEnv, `$${TOKEN_VARIABLE}`), notes: [] };
  throw new UsageError(`no token: give --token, --token-file, --claims, --claims-file or --cloudtrail-event, or set ${TOKEN_VARIABLE}`);
}

function flagOf(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace('cloud-trail', 'cloudtrail')}`;
}

function jwt(token: string, where: string): Record<string, unknown> {
  try {
    return decodeJwtClaims(token);
  } catch (e) {
    throw new UsageError(`${where}: ${(e as Error).message}`);
  }
}

function claimsJson(text: string, where: string): Record<string, unknown> {
  try {
    return parseClaimsJson(text);
  } catch (e) {
    throw new UsageError(`${where}: ${(e as Error).message}`);
  }
}

/** Reads a file (relative to `cwd`), or fails with the file's name as given and the reason. */
export function readText(cwd: string, file: string, flag: string): string {
  try {
    return readFileSync(resolve(cwd, file), 'utf8');
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The claims a CloudTrail AssumeRoleWithWebIdentity event records (CloudTrail userIdentity reference,
 * "Values for AWS STS APIs with SAML and web identity federation"): for a WebIdentityUser, identityProvider
 * is the provider, userName the user ID (sub), and principalId the provider, application ID (aud) and user
 * ID joined with ":". A successful call also records subjectFromWebIdentityToken, audience and provider.
 */
function cloudTrailClaims(text: string, file: string): ReadClaims {
  const event = claimsJson(text, `--cloudtrail-event ${file}`);
  // A file may hold a lookup-events record ({"CloudTrailEvent": "<json>"}), or a log file's Records.
  const found: unknown = typeof event.CloudTrailEvent === 'string' ? claimsJson(event.CloudTrailEvent, `--cloudtrail-event ${file}`)
    : Array.isArray(event.Records) && event.Records.length === 1 ? event.Records[0] : event;
  // Every field is read as data: a record or field of another type is no such event, never a crash.
  const record = isObject(found) ? found : {};
  if (record.eventName !== 'AssumeRoleWithWebIdentity') {
    throw new UsageError(`--cloudtrail-event ${file}: not an AssumeRoleWithWebIdentity event, got: ${JSON.stringify(record.eventName ?? null)}`);
  }
  const identity = isObject(record.userIdentity) ? record.userIdentity : {};
  const response = isObject(record.responseElements) ? record.responseElements : {};
  const provider = String(response.provider ?? identity.identityProvider ?? '');
  const sub = String(response.subjectFromWebIdentityToken ?? identity.userName ?? '');
  if (!provider || !sub) throw new UsageError(`--cloudtrail-event ${file}: the event records no identity provider or user name`);
  const host = /oidc-provider\/(.+)$/.exec(provider)?.[1] ?? provider.replace(/^https:\/\//, '');
  const principalId = String(identity.principalId ?? '');
  const aud = response.audience ?? (principalId.startsWith(`${provider}:`) && principalId.endsWith(`:${sub}`)
    ? principalId.slice(provider.length + 1, principalId.length - sub.length - 1) : undefined);
  const claims: Record<string, unknown> = { iss: `https://${host}`, sub };
  if (aud !== undefined) claims.aud = aud;
  const notes = ['a CloudTrail event records only the provider, the audience and the sub: conditions on other claims cannot be checked from it'];
  if (record.errorCode) notes.push(`CloudTrail recorded ${String(record.errorCode)}${record.errorMessage ? `: ${String(record.errorMessage)}` : ''}`);
  return { claims, notes };
}
