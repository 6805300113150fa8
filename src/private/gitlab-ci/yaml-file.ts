// The one YAML emitter for what the library writes into .gitlab-ci.yml files: the model's jobs and documents
// (model.ts) as block-style YAML, every string a YAML double-quoted scalar (yamlString, which escapes what the `yaml`
// package would write raw and GitLab's parser refuses: U+0085, U+2028, C1 controls), so no value can change the
// document's structure. Keys are written in one order (CI_JOB_KEYS), whatever order the model was built in.
import { CI_JOB_KEYS, CiDocument, CiJob, YamlReference, YamlValue } from './model';
import { yamlString } from '../yaml';

/** YAML 1.1 reads these plain words as booleans or null: as keys they are quoted. */
const YAML11_WORDS = /^(y|yes|n|no|true|false|on|off|null)$/i;

/** One job under its name, as YAML lines ending with a line break. */
export function jobYaml(name: string, job: CiJob): string {
  // GitLab refuses a job without a script; only a hidden job (a name starting with `.`), which lends its keys, may lack one.
  if (job.script === undefined && !name.startsWith('.')) throw new Error(`job ${yamlString(name)} has no script: only a hidden job may have none`);
  return `${yamlBlock({ [name]: jobMap(job) }).join('\n')}\n`;
}

/** A whole file: its comments, stages and workflow, each followed by an empty line, then its jobs. */
export function documentYaml(document: CiDocument): string {
  return [
    ...(document.comments ?? []).map((line) => `# ${line}`),
    ...document.stages ? [...yamlBlock({ stages: document.stages }), ''] : [],
    ...document.workflow ? [...yamlBlock({ workflow: { rules: document.workflow.rules.map((rule) => ({ ...rule })) } }), ''] : [],
    ...document.jobs.map(({ name, job }) => jobYaml(name, job)),
  ].join('\n');
}

/** The job's keywords in the model's order, then the raw keys the user set. */
function jobMap(job: CiJob): { readonly [key: string]: YamlValue | undefined } {
  const map: { [key: string]: YamlValue | undefined } = {};
  for (const key of CI_JOB_KEYS) map[key] = job[key] as YamlValue | undefined;
  return { ...map, ...job.raw };
}

/**
 * The lines of `value` as a block, each indented by `indent` spaces; keys whose value is `undefined`
 * are left out.
 */
export function yamlBlock(value: { readonly [key: string]: YamlValue | undefined }, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const head = `${pad}${yamlKey(key)}:`;
    if (isEmptyOrScalar(item)) lines.push(`${head} ${yamlScalar(item)}`);
    else if (Array.isArray(item)) lines.push(head, ...listLines(item, indent + 2));
    else lines.push(head, ...yamlBlock(item as { readonly [key: string]: YamlValue }, indent + 2));
  }
  return lines;
}

function listLines(list: readonly YamlValue[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const item of list) {
    if (isEmptyOrScalar(item)) {
      lines.push(`${pad}- ${yamlScalar(item)}`);
    } else {
      // A map or list as a list item: its first line after the dash, the rest aligned with it.
      const inner = Array.isArray(item) ? listLines(item, indent + 2) : yamlBlock(item as { readonly [key: string]: YamlValue }, indent + 2);
      lines.push(`${pad}- ${inner[0].slice(indent + 2)}`, ...inner.slice(1));
    }
  }
  return lines;
}

function isEmptyOrScalar(value: YamlValue): boolean {
  if (value === null || typeof value !== 'object' || value instanceof YamlReference) return true;
  return Array.isArray(value) ? value.length === 0 : Object.values(value).every((item) => item === undefined);
}

function yamlScalar(value: YamlValue): string {
  if (typeof value === 'string') return yamlString(value);
  if (value === null) return 'null';
  if (value instanceof YamlReference) return `!reference [${value.path.map(yamlString).join(', ')}]`;
  if (typeof value === 'object') return Array.isArray(value) ? '[]' : '{}';
  return String(value);
}

/** A key as a plain word where YAML reads it back as the same string, else double-quoted. */
function yamlKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) && !YAML11_WORDS.test(key) ? key : yamlString(key);
}
