// The custom resource that writes the issuer's two documents into its bucket, on a function of its own (aws-cdk-lib's
// BucketDeployment runs one function per stack, shared with every other deployment there, whose role the bucket would
// then have to trust). The keys are the first upload only: written when the stack creates the resource and the bucket
// has none, and again only when the app's key set changes (a deliberate new start); any other update leaves what the
// keys' publisher wrote, so a deployment never brings back a retired key. aws-cdk-lib's CustomResourceProvider calls
// `handler` and answers CloudFormation.

/** Where the documents are written: the bucket. */
export interface DocumentStore {
  /** Writes an object; with `ifAbsent`, only when the key has none (false when it had one). */
  put(key: string, body: string, options: { readonly ifAbsent: boolean; readonly cacheControl: string }): Promise<boolean>;
}

/** The custom resource's properties. */
export interface DocumentProperties {
  readonly Bucket: string;
  readonly DiscoveryKey: string;
  readonly Discovery: string;
  readonly KeysKey: string;
  readonly Keys: string;
  readonly CacheControl: string;
}

/** A CloudFormation custom resource event, as far as it matters here. */
export interface DocumentEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: DocumentProperties;
  readonly OldResourceProperties?: DocumentProperties;
}

/** What a write did to the keys: written, kept (the bucket had keys), or left (an update that did not change them). */
export type KeysOutcome = 'written' | 'kept' | 'left' | 'none';

/** Writes the documents for an event; returns what happened to the keys. Deleting writes nothing (the bucket is kept). */
export async function writeDocuments(event: DocumentEvent, store: DocumentStore): Promise<KeysOutcome> {
  if (event.RequestType === 'Delete') return 'none';
  const props = event.ResourceProperties;
  await store.put(props.DiscoveryKey, props.Discovery, { ifAbsent: false, cacheControl: props.CacheControl });
  if (event.RequestType === 'Create') {
    return (await store.put(props.KeysKey, props.Keys, { ifAbsent: true, cacheControl: props.CacheControl })) ? 'written' : 'kept';
  }
  if (event.OldResourceProperties?.Keys !== props.Keys) {
    await store.put(props.KeysKey, props.Keys, { ifAbsent: false, cacheControl: props.CacheControl });
    return 'written';
  }
  return 'left';
}

/** The function's entry point, with the AWS SDK's S3 client (part of Lambda's Node.js runtime). */
export async function handler(event: DocumentEvent): Promise<{ PhysicalResourceId: string; Data: { Keys: KeysOutcome } }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
  const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
  const s3 = new S3Client({});
  const bucket = event.ResourceProperties.Bucket;
  const outcome = await writeDocuments(event, {
    put: async (key, body, options) => {
      try {
        await s3.send(new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          CacheControl: options.cacheControl,
          ...(options.ifAbsent ? { IfNoneMatch: '*' } : {}),
        }));
        return true;
      } catch (e) {
        // S3's conditional write: the key has an object already.
        if (options.ifAbsent && (e as { name?: string }).name === 'PreconditionFailed') return false;
        throw e;
      }
    },
  });
  return { PhysicalResourceId: event.PhysicalResourceId ?? `${bucket}/documents`, Data: { Keys: outcome } };
}
