// The application the example pipeline deploys: a stage of two stacks, the site's content a file asset and its
// server a Docker image asset.
import { CfnOutput, Stack, Stage, StageProps, aws_ecr_assets as ecrAssets, aws_s3 as s3, aws_s3_assets as s3assets } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export class ServiceStage extends Stage {
  /** The site's URL, which the smoke test reads after the stage deploys. */
  public readonly siteUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: StageProps) {
    super(scope, id, props);
    const storage = new Stack(this, 'Storage');
    new s3.Bucket(storage, 'Logs', { enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });

    // Deployed after the storage stack (a construct dependency between stacks is a stack dependency).
    const site = new Stack(this, 'Site');
    site.node.addDependency(storage);
    const content = new s3assets.Asset(site, 'Content', { path: `${__dirname}/site` });
    new CfnOutput(site, 'ContentUrl', { value: content.s3ObjectUrl });
    // Built once by the pipeline, without credentials, and pushed to each stage's account: Prod runs the image Beta ran.
    const image = new ecrAssets.DockerImageAsset(site, 'Server', { directory: `${__dirname}/image` });
    new CfnOutput(site, 'ImageUri', { value: image.imageUri });
    this.siteUrl = new CfnOutput(site, 'SiteUrl', { value: `https://${id.toLowerCase()}.example.com` });
  }
}
