// AWS STS on 127.0.0.1, speaking the STS Query API as AWS does (form-encoded POST, XML responses and
// XML errors), for the generated-job tests. AssumeRoleWithWebIdentity is judged by the security
// suite's emulated account (token verification as STS does it, then the trust policy by the
// independent judge); GetCallerIdentity answers for the access key that signed the request. It also
// serves container credentials, standing in for a runner that has an AWS identity of its own.
import { randomBytes } from 'crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { Duplex } from 'stream';
import { ACCOUNT, EmulatedAccount, PARTITION } from '../security/support/sts';

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** An identity that holds credentials: a role session, or the runner's own. */
interface Identity {
  readonly arn: string;
  readonly userId: string;
}

/** One call the endpoint answered, for the tests to inspect. */
export interface StsCall {
  readonly action: string;
  /** The caller's identity (GetCallerIdentity) or the role asked for (AssumeRoleWithWebIdentity). */
  readonly identity?: string;
  readonly status: number;
}

/** The runner's own credentials, as a container credentials endpoint serves them. */
export const RUNNER_ROLE_ARN = `arn:${PARTITION}:iam::${ACCOUNT}:role/gitlab-runner-instance-role`;
/** The runner's own static keys, as a runner's environment might hold them. */
export const RUNNER_USER_ARN = `arn:${PARTITION}:iam::${ACCOUNT}:user/gitlab-runner`;
export const RUNNER_ACCESS_KEY_ID = 'AKIAGITLABRUNNER0001';
export const RUNNER_SECRET_ACCESS_KEY = 'runner/secret/key/for/the/loopback/sts/00';

export class LoopbackSts {
  public static async start(account: EmulatedAccount): Promise<LoopbackSts> {
    const sts = new LoopbackSts(account);
    await sts.listen();
    return sts;
  }

  public readonly calls: StsCall[] = [];
  /** Errors to answer the next AssumeRoleWithWebIdentity calls with, first to last (a transient fault of STS). */
  public readonly failNext: { status: number; code: string; message: string }[] = [];
  /** Every secret it handed out: secret keys and session tokens, which no log or file may hold. */
  public readonly issuedSecrets: string[] = [];
  private readonly sessions = new Map<string, Identity>();
  private server?: Server;
  private baseUrl?: string;

  private constructor(private readonly account: EmulatedAccount) {
    this.sessions.set(RUNNER_ACCESS_KEY_ID, { arn: RUNNER_USER_ARN, userId: 'AIDAGITLABRUNNERUSER1' });
  }

  /** The endpoint, for AWS_ENDPOINT_URL_STS. */
  public get url(): string {
    return this.baseUrl!;
  }

  /** The runner's container credentials endpoint, for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  public get containerCredentialsUrl(): string {
    return `${this.baseUrl}/runner-credentials`;
  }

  /** The identity (role session or user ARN) an access key it handed out belongs to: who signed a request to another loopback service. */
  public identityOf(accessKeyId: string): string | undefined {
    return this.sessions.get(accessKeyId)?.arn;
  }

  /** Serves HTTP on a connection made elsewhere: the TLS side of a proxy that stands in for STS's public endpoints. */
  public serve(connection: Duplex): void {
    this.server!.emit('connection', connection);
  }

  public async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.handle(req, Buffer.concat(chunks).toString('utf8'), res).catch((e) => this.error(res, 500, 'InternalFailure', String(e), 'Receiver'));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/runner-credentials') {
      const keyId = this.mint({ arn: `arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/gitlab-runner-instance-role/i-0123456789abcdef0`, userId: 'AROARUNNER:i-0123456789abcdef0' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...keyId, Expiration: new Date(Date.now() + 3_600_000).toISOString(), RoleArn: RUNNER_ROLE_ARN }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/') return this.error(res, 404, 'UnknownOperationException', 'Not found');
    const form = new URLSearchParams(body);
    const action = form.get('Action') ?? '';
    if (form.get('Version') !== '2011-06-15') return this.error(res, 400, 'InvalidParameterValue', 'Version must be 2011-06-15');
    if (action === 'AssumeRoleWithWebIdentity') return this.assumeRoleWithWebIdentity(form, res);
    if (action === 'GetCallerIdentity') return this.getCallerIdentity(req, res);
    return this.error(res, 400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }

  private async assumeRoleWithWebIdentity(form: URLSearchParams, res: ServerResponse): Promise<void> {
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const token = form.get('WebIdentityToken') ?? '';
    const duration = Number(form.get('DurationSeconds') ?? 3600);
    const record = (status: number) => this.calls.push({ action: 'AssumeRoleWithWebIdentity', identity: roleArn, status });
    const fault = this.failNext.shift();
    if (fault) {
      record(fault.status);
      return this.error(res, fault.status, fault.code, fault.message);
    }
    const roleName = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:role/(?:.*/)?([\\w+=,.@-]+)$`).exec(roleArn)?.[1];
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      record(400);
      return this.error(res, 400, 'ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`);
    }
    if (token.length < 4 || token.length > 20_000) {
      record(400);
      return this.error(res, 400, 'ValidationError', "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4");
    }
    if (!Number.isInteger(duration) || duration < 900 || duration > 3600) {
      record(400);
      return this.error(res, 400, 'ValidationError', `The requested DurationSeconds exceeds the MaxSessionDuration set for this role: ${duration}`);
    }
    if (!roleName) {
      record(403);
      return this.error(res, 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    }
    const outcome = await this.account.assumeRoleWithWebIdentity(roleName, token, new Date());
    if (outcome.verdict !== 'allow') {
      const [code, ...message] = outcome.reason.split(': ');
      const status = code === 'AccessDenied' ? 403 : 400;
      record(status);
      return this.error(res, status, code, message.join(': '));
    }
    record(200);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    const identity = { arn: `arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/${roleName}/${sessionName}`, userId: `AROAGITLABROLE000001:${sessionName}` };
    const credentials = this.mint(identity);
    this.xml(res, 'AssumeRoleWithWebIdentity', [
      `<Credentials><AccessKeyId>${credentials.AccessKeyId}</AccessKeyId><SecretAccessKey>${credentials.SecretAccessKey}</SecretAccessKey>` +
      `<SessionToken>${credentials.Token}</SessionToken><Expiration>${new Date(Date.now() + duration * 1000).toISOString()}</Expiration></Credentials>`,
      `<SubjectFromWebIdentityToken>${escape(claims.sub)}</SubjectFromWebIdentityToken>`,
      `<AssumedRoleUser><Arn>${escape(identity.arn)}</Arn><AssumedRoleId>${escape(identity.userId)}</AssumedRoleId></AssumedRoleUser>`,
      `<Provider>${escape(claims.iss)}</Provider>`,
      `<Audience>${escape(claims.aud)}</Audience>`,
    ]);
  }

  private getCallerIdentity(req: IncomingMessage, res: ServerResponse): void {
    const keyId = /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? '')?.[1];
    const identity = keyId ? this.sessions.get(keyId) : undefined;
    this.calls.push({ action: 'GetCallerIdentity', identity: identity?.arn, status: identity ? 200 : 403 });
    if (!identity) return this.error(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    this.xml(res, 'GetCallerIdentity', [
      `<Arn>${escape(identity.arn)}</Arn>`, `<UserId>${escape(identity.userId)}</UserId>`, `<Account>${ACCOUNT}</Account>`,
    ]);
  }

  /** New temporary credentials for an identity. */
  private mint(identity: Identity) {
    const AccessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    this.sessions.set(AccessKeyId, identity);
    const credentials = { AccessKeyId, SecretAccessKey: randomBytes(30).toString('base64'), Token: randomBytes(96).toString('base64') };
    this.issuedSecrets.push(credentials.SecretAccessKey, credentials.Token);
    return credentials;
  }

  private xml(res: ServerResponse, action: string, result: string[]): void {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(`<${action}Response xmlns="${NAMESPACE}"><${action}Result>${result.join('')}</${action}Result>` +
      `<ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId></ResponseMetadata></${action}Response>`);
  }

  private error(res: ServerResponse, status: number, code: string, message: string, type = 'Sender'): void {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(`<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escape(message)}</Message></Error>` +
      `<RequestId>${randomBytes(16).toString('hex')}</RequestId></ErrorResponse>`);
  }
}

function escape(value: unknown): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
