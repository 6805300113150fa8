// The library's warnings about legal but risky choices: `Annotations.addWarningV2`, so users acknowledge them the
// usual way, but without a stack trace. aws-cdk-lib captures a full trace for each annotation unless stack traces are
// disabled (context `aws:cdk:disable-stack-trace`, or CDK_DISABLE_STACK_TRACE, read when `Annotations.of()` is
// called); the CLI shows traces only with --verbose, and the construct path already names the role. With one or two
// warnings per role, the traces were most of the library's synth overhead (BENCHMARKS.md, section 1).
import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A warning for `Annotations.addWarningV2`: its ID, by which users acknowledge it, and its text. */
export interface Warning {
  readonly id: string;
  readonly message: string;
}

/** Records the warnings on `scope` (each acknowledgeable by its ID), with no stack trace. */
export function warn(scope: IConstruct, warnings: readonly Warning[]): void {
  // Nothing to record: the environment is left alone (setting and restoring it is a system call each).
  if (warnings.length === 0) return;
  const saved = process.env.CDK_DISABLE_STACK_TRACE;
  process.env.CDK_DISABLE_STACK_TRACE = '1';
  let annotations: Annotations;
  try {
    annotations = Annotations.of(scope);
  } finally {
    if (saved === undefined) delete process.env.CDK_DISABLE_STACK_TRACE;
    else process.env.CDK_DISABLE_STACK_TRACE = saved;
  }
  for (const { id, message } of warnings) annotations.addWarningV2(id, message);
}
