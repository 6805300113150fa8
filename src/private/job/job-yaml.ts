// One .gitlab-ci.yml job as YAML text: every key and value a YAML double-quoted scalar that any YAML 1.1 or
// 1.2 parser reads back verbatim, so no value can change the document's structure.
import { yamlString } from '../yaml';

/** A job that assumes a role, as the YAML holds it: each value a literal, or a CI/CD component's `$[[ inputs.x ]]`. */
export interface CiJobModel {
  readonly name: string;
  readonly image?: string;
  readonly stage?: string;
  /** GitLab's `timeout`, such as "90 minutes". */
  readonly timeout?: string;
  /** The id_tokens entry: the variable that receives the token, and its audience. */
  readonly tokenVariable: string;
  readonly audience: string;
  readonly variables: readonly (readonly [string, string])[];
  readonly beforeScript: readonly string[];
  readonly script: readonly string[];
  readonly afterScript: readonly string[];
}

/** The job's YAML, ending with a line break. */
export function jobYaml(job: CiJobModel): string {
  const list = (items: readonly string[]) => items.map((item) => `    - ${yamlString(item)}`);
  const scalar = (key: string, value: string | undefined) => value === undefined ? [] : [`  ${key}: ${yamlString(value)}`];
  return [
    `${yamlString(job.name)}:`,
    ...scalar('image', job.image),
    ...scalar('stage', job.stage),
    ...scalar('timeout', job.timeout),
    '  id_tokens:',
    `    ${job.tokenVariable}:`,
    `      aud: ${yamlString(job.audience)}`,
    '  variables:',
    ...job.variables.map(([name, value]) => `    ${name}: ${yamlString(value)}`),
    '  before_script:',
    ...list(job.beforeScript),
    '  script:',
    ...list(job.script),
    '  after_script:',
    ...list(job.afterScript),
    '',
  ].join('\n');
}
