// One S3 bucket on 127.0.0.1, path-style (`/<bucket>/<key>`), for the keys sync job's tests: GetObject (NoSuchKey
// when absent, as S3 answers a caller allowed to list the bucket) and PutObject, each call recorded with the access
// key that signed it (the loopback STS says whose session that is).
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';

export interface S3Call {
  readonly method: string;
  readonly key: string;
  readonly accessKeyId?: string;
  readonly status: number;
}

export class LoopbackS3 {
  public static async start(bucket: string, objects: Record<string, string>): Promise<LoopbackS3> {
    const s3 = new LoopbackS3(bucket, new Map(Object.entries(objects)));
    await new Promise<void>((resolve) => s3.server.listen(0, '127.0.0.1', resolve));
    return s3;
  }

  public readonly calls: S3Call[] = [];
  /** What each PutObject wrote, with its headers. */
  public readonly puts: { key: string; body: string; contentType?: string; cacheControl?: string }[] = [];
  private readonly server: Server;

  private constructor(private readonly bucket: string, public readonly objects: Map<string, string>) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** The endpoint, for AWS_ENDPOINT_URL_S3. */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://s3');
    const prefix = `/${this.bucket}/`;
    const key = url.pathname.startsWith(prefix) ? decodeURIComponent(url.pathname.slice(prefix.length)) : '';
    const accessKeyId = /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? '')?.[1];
    const answer = (status: number, body = '', headers: Record<string, string> = {}) => {
      this.calls.push({ method: req.method ?? '', key, accessKeyId, status });
      res.writeHead(status, headers).end(body);
    };
    if (!accessKeyId) return answer(403, error('AccessDenied', 'Anonymous access is refused'));
    if (key === '') return answer(400, error('InvalidRequest', `only /${this.bucket}/<key> is served`));
    if (req.method === 'GET') {
      const body = this.objects.get(key);
      return body === undefined ? answer(404, error('NoSuchKey', 'The specified key does not exist.')) : answer(200, body, { 'content-type': 'application/json' });
    }
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.objects.set(key, body);
        this.puts.push({ key, body, contentType: req.headers['content-type'], cacheControl: req.headers['cache-control'] as string | undefined });
        answer(200, '', { etag: '"loopback"' });
      });
      return;
    }
    return answer(405, error('MethodNotAllowed', `${req.method} is not served`));
  }
}

function error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
