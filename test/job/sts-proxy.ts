// STS at its public addresses, for AWS clients that cannot be pointed at a loopback endpoint (Debian's AWS CLI
// ignores AWS_ENDPOINT_URL_STS, and --endpoint-url does not move its credential provider's calls). The client
// is given this proxy as HTTPS_PROXY and the proxy's certificate authority as AWS_CA_BUNDLE; the proxy accepts
// CONNECT to STS's hosts only, ends TLS with a certificate for them, and hands the connection to the loopback
// STS. It records which host each connection asked for: the regional endpoint or the global one.
import { execFile } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { createServer, IncomingMessage, Server } from 'http';
import { AddressInfo, Socket } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { TLSSocket } from 'tls';
import { LoopbackSts } from './loopback-sts';
import { PROCESS_MS } from '../support/timeouts';

/** The STS hosts the certificate names: the global endpoint and the regional ones the tests use. */
const STS_HOSTS = ['sts.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 'sts.us-east-1.amazonaws.com'];

export class StsProxy {
  /** Makes a certificate for STS's hosts (openssl, valid a day) and listens on 127.0.0.1. */
  public static async start(sts: LoopbackSts): Promise<StsProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'sts-proxy-'));
    await new Promise<void>((resolve, reject) => execFile('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=sts.amazonaws.com',
      '-addext', `subjectAltName=${STS_HOSTS.map((h) => `DNS:${h}`).join(',')}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem'),
    ], { timeout: PROCESS_MS }, (error, _stdout, stderr) => (error ? reject(new Error(`openssl: ${stderr}`)) : resolve())));
    const proxy = new StsProxy(sts, dir, readFileSync(join(dir, 'key.pem')), readFileSync(join(dir, 'ca.pem')));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The host and port of each CONNECT, in order. */
  public readonly connects: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(sts: LoopbackSts, private readonly dir: string, key: Buffer, cert: Buffer) {
    this.server = createServer((_req, res) => res.writeHead(405).end());
    this.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const target = req.url ?? '';
      this.connects.push(target);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      if (!STS_HOSTS.some((host) => target === `${host}:443`)) {
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) socket.unshift(head);
      sts.serve(new TLSSocket(socket, { isServer: true, key, cert }));
    });
  }

  /** For HTTPS_PROXY. */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The certificate to trust, for AWS_CA_BUNDLE. */
  public get caBundle(): string {
    return join(this.dir, 'ca.pem');
  }

  public async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
