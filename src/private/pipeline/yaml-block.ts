// Block-style YAML for the pipeline file's jobs: maps and lists of literals, every string a YAML
// double-quoted scalar (yamlString), so no value can change the document's structure.
import { yamlString } from '../yaml';

/** YAML 1.1 reads these plain words as booleans or null: as keys they are quoted. */
const YAML11_WORDS = /^(y|yes|n|no|true|false|on|off|null)$/i;

/**
 * GitLab's `!reference` tag: the value of another job's key, such as the hidden job's `before_script`, where a job
 * needs lines before it (https://docs.gitlab.com/ci/yaml/yaml_optimization/#reference-tags).
 */
export class YamlReference {
  constructor(public readonly path: readonly string[]) {}
}

/** A value the writer takes: strings, numbers, booleans, null, references, and lists and maps of them. */
export type YamlValue = string | number | boolean | null | YamlReference | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

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
