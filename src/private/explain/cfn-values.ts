// Values of a synthesized template, resolved as far as a template alone allows: pseudo parameters stay
// as named placeholders (the same on both sides of every comparison), references to the template's
// IAM OIDC providers become their ARNs, and anything else that is decided at deployment (parameters,
// imports, other attributes) stays Unknown.
import { isObject, Unknown, ValueResolver } from './policy';
import { conditionKeyPrefix } from './sts-request';

/** A placeholder for a pseudo parameter: `${AWS::AccountId}`. */
export function pseudoPlaceholder(name: string): string {
  return `\${${name}}`;
}

/** The ARN of the provider for an issuer URL, with the template's partition and account as placeholders. */
export function providerArnFor(url: string, partition = pseudoPlaceholder('AWS::Partition'), account = pseudoPlaceholder('AWS::AccountId')): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${conditionKeyPrefix(url)}`;
}

/**
 * A resolver for template values.
 * @param known intrinsics whose value is known, by their JSON text (`{"Ref":"GitLab1234"}` → the provider's ARN)
 */
export function cfnResolver(known: ReadonlyMap<string, string> = new Map()): ValueResolver {
  const resolve: ValueResolver = (value) => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    const text = JSON.stringify(value);
    const found = known.get(text);
    if (found !== undefined) return found;
    if (isObject(value) && typeof value.Ref === 'string' && value.Ref.startsWith('AWS::')) return pseudoPlaceholder(value.Ref);
    if (isObject(value) && Array.isArray(value['Fn::Join'])) {
      const [separator, parts] = value['Fn::Join'] as [string, unknown];
      if (typeof separator === 'string' && Array.isArray(parts)) {
        const resolved = parts.map(resolve);
        if (resolved.every((p) => typeof p === 'string')) return resolved.join(separator);
      }
    }
    return new Unknown(text);
  };
  return resolve;
}
