// The keys pull: a scheduled Lambda function in a VPC that reaches the GitLab instance, for setups whose runners
// should not hold a role that writes the keys. It decides what to publish exactly as the keys sync job's
// `issuer-keys` step does (this folder is the function's code: it imports nothing from outside it), and writes
// nothing when anything is refused.
import { request } from 'https';
import { nextPublication, publicationSummary, readSightings } from './key-rotation';
import { publicJwks } from './public-jwks';

/** Where the publication is read from and written to: the issuer's bucket. */
export interface KeyStore {
  /** An object's text, or undefined when there is none (NoSuchKey). */
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string, cacheControl?: string): Promise<void>;
}

/** What a pull needs. */
export interface PullOptions {
  /** The instance's URL, as its runners reach it (`https://gitlab.internal.example`). */
  readonly instanceUrl: string;
  readonly fetchText: (url: string) => Promise<string>;
  readonly store: KeyStore;
  readonly keysKey: string;
  readonly sightingsKey: string;
  readonly graceMs: number;
  readonly cacheControl: string;
  readonly now: Date;
}

/** Fetches the instance's keys, decides the publication, uploads the keys then the sightings; returns what it did. */
export async function pullKeys(options: PullOptions): Promise<string> {
  const instance = publicJwks(JSON.parse(await options.fetchText(`${options.instanceUrl}/oauth/discovery/keys`)), `${options.instanceUrl}/oauth/discovery/keys`);
  const publishedText = await options.store.get(options.keysKey);
  if (publishedText === undefined) throw new Error(`the bucket has no ${options.keysKey}: deploy the stack first (it uploads the first keys)`);
  const published = publicJwks(JSON.parse(publishedText), options.keysKey);
  const sightingsText = await options.store.get(options.sightingsKey);
  const sightings = sightingsText === undefined ? undefined : readSightings(JSON.parse(sightingsText), options.sightingsKey);
  const publication = nextPublication(instance, published, sightings, options.now, options.graceMs);
  const keys = JSON.stringify(publication.jwks);
  // Unchanged keys are not written again: every write of the keys reaches changesTopic, and should mean something.
  if (keys !== publishedText) await options.store.put(options.keysKey, keys, options.cacheControl);
  await options.store.put(options.sightingsKey, JSON.stringify(publication.sightings));
  return publicationSummary(publication);
}

/** GET over HTTPS, 10 seconds at most, trusting `ca` (PEM) alone when given, else the public CAs; 200 or an error. */
export function fetchText(url: string, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: 10_000, ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        // A key set is a few kilobytes: anything past a megabyte is not one.
        if (body.length > 1_000_000) req.destroy(new Error(`${url}: more than 1 MB`));
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in 10 seconds`)));
    req.on('error', reject);
    req.end();
  });
}

/** The function's entry point: its settings from the environment the construct writes. */
export async function handler(): Promise<string> {
  // The AWS SDK for JavaScript v3 is part of Lambda's Node.js runtime: the function's code ships without it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
  const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
  const env = (name: string) => {
    const value = process.env[name];
    if (value === undefined || value === '') throw new Error(`the function needs ${name}`);
    return value;
  };
  const bucket = env('ISSUER_BUCKET');
  const s3 = new S3Client({});
  const store: KeyStore = {
    get: async (key) => {
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await response.Body.transformToString('utf8');
      } catch (e) {
        if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
        throw e;
      }
    },
    put: async (key, body, cacheControl) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', CacheControl: cacheControl }));
    },
  };
  const ca = process.env.INSTANCE_CA_CERTIFICATE || undefined;
  const summary = await pullKeys({
    instanceUrl: env('INSTANCE_URL'),
    fetchText: (url) => fetchText(url, ca),
    store,
    keysKey: env('KEYS_KEY'),
    sightingsKey: env('SIGHTINGS_KEY'),
    graceMs: Number(env('GRACE_HOURS')) * 3_600_000,
    cacheControl: env('CACHE_CONTROL'),
    now: new Date(),
  });
  console.log(summary);
  return summary;
}
