// The example app. Synthesize it with `npx projen synth:example` (cdk synth in this folder).
import { App } from 'aws-cdk-lib';
import { GitLabDeployStack } from './stack';

const app = new App();
new GitLabDeployStack(app, 'GitLabOidcExample');
app.synth();
