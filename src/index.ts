export { GitLabAccessLevel, GitLabClaimConditions, GitLabPipelineSource, GitLabRunnerEnvironment } from './claim-conditions';
export { GitLabCiCredentials, GitLabCiJobOptions } from './ci-job';
export * from './provider';
export * from './role';
export * from './role-props';
export * from './sub-claim';
export * from './subject';
