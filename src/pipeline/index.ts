export * from './docker-login';
export * from './gitlab-ci-pipeline';
export * from './job-settings';
export * from './pipeline-role';
export * from './shell-step';
export * from './stage-trigger';
