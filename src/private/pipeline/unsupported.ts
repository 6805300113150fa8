// What CDK Pipelines can express and a GitLab pipeline cannot: refused at synth, never dropped.
import { pipelines } from 'aws-cdk-lib';
import { fail, show } from '../errors';

/**
 * Refuses `changeSet` steps of any stack before the graph is built: GitLab jobs deploy with `cdk deploy`,
 * which makes and runs its change set in one call, so there is no moment between the two.
 */
export function refuseChangeSetSteps(pipeline: pipelines.PipelineBase): void {
  for (const wave of pipeline.waves) {
    for (const stage of wave.stages) {
      for (const stack of stage.stacks) {
        const [step] = stack.changeSet;
        if (step) {
          fail('GitLabCiPipeline cannot run changeSet steps: each stack deploys with `cdk deploy`, which creates and executes its change set ' +
            `in one call; use the stack's pre steps instead (stack ${show(stack.stackName)}), got: ${show(step.id)}`, pipeline);
        }
      }
    }
  }
}

/** Refuses a step a GitLab job cannot run, naming it and what to use instead. */
export function refuseUnsupportedStep(step: pipelines.Step, scope: pipelines.PipelineBase): void {
  if (step instanceof pipelines.CodeBuildStep) {
    fail('GitLabCiPipeline cannot run a CodeBuildStep: its CodeBuild project, role, VPC and build environment exist only in CodePipeline; ' +
      `use a ShellStep, or a GitLabShellStep with jobSettings for the job's image and tags, got: CodeBuildStep ${show(step.id)}`, scope);
  }
  if (step instanceof pipelines.ConfirmPermissionsBroadening) {
    fail('GitLabCiPipeline cannot run ConfirmPermissionsBroadening: it relies on a CodePipeline approval action and an SNS topic; ' +
      'use a ManualApprovalStep (and a protected environment) or a ShellStep that runs `cdk diff --security-only --fail`, ' +
      `got: ConfirmPermissionsBroadening ${show(step.id)}`, scope);
  }
  if (step.isSource) {
    fail('GitLabCiPipeline starts every job from the repository\'s checkout and has no source steps: leave out the `input` of the steps ' +
      `that read a CodePipelineSource, got: source ${show(step.id)}`, scope);
  }
  if (!(step instanceof pipelines.ShellStep) && !(step instanceof pipelines.ManualApprovalStep)) {
    fail(`GitLabCiPipeline runs ShellStep, GitLabShellStep and ManualApprovalStep steps only, got: ${step.constructor.name} ${show(step.id)}`, scope);
  }
}
