// The library's warnings about legal but risky choices: `Annotations.addWarningV2`, so users acknowledge them the
// usual way, but without a stack trace. aws-cdk-lib captures a full trace for each annotation unless stack traces are
// disabled (context `aws:cdk:disable-stack-trace`, or CDK_DISABLE_STACK_TRACE, read when `Annotations.of()` is
// called); the CLI shows traces only with --verbose, and the construct path already names the role. With one or two
// warnings per role, the traces were most of the library's synth overhead (BENCHMARKS.md, section 1).
import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Warns on `scope` (acknowledgeable by `id`), recording no stack trace. */
export function warn(scope: IConstruct, id: string, message: string): void {
  const saved = process.env.CDK_DISABLE_STACK_TRACE;
  process.env.CDK_DISABLE_STACK_TRACE = '1';
  let annotations: Annotations;
  try {
    annotations = Annotations.of(scope);
  } finally {
    if (saved === undefined) delete process.env.CDK_DISABLE_STACK_TRACE;
    else process.env.CDK_DISABLE_STACK_TRACE = saved;
  }
  annotations.addWarningV2(id, message);
}
