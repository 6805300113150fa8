// The library's warnings: acknowledgeable by ID, recorded without a stack trace, the environment left as it was.
import { App, Annotations as CdkAnnotations, Stack } from 'aws-cdk-lib';
import { Annotations } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { warn } from '../../src/private/warnings';

function scope(): Construct {
  return new Construct(new Stack(new App(), 'Stack'), 'Role');
}

describe('warn', () => {
  const saved = process.env.CDK_DISABLE_STACK_TRACE;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK_DISABLE_STACK_TRACE;
    else process.env.CDK_DISABLE_STACK_TRACE = saved;
  });

  test('each warning is recorded with its acknowledgement tag, and no stack trace', () => {
    delete process.env.CDK_DISABLE_STACK_TRACE;
    const role = scope();
    warn(role, [{ id: 'lib:first', message: 'one' }, { id: 'lib:second', message: 'two' }]);
    expect(role.node.metadata.map((m) => [m.type, m.data, m.trace])).toEqual([
      ['aws:cdk:warning', 'one [ack: lib:first]', undefined],
      ['aws:cdk:warning', 'two [ack: lib:second]', undefined],
    ]);
    Annotations.fromStack(Stack.of(role)).hasWarning('/Stack/Role', 'one [ack: lib:first]');
  });

  test('a warning acknowledged on the stack is not recorded', () => {
    const role = scope();
    CdkAnnotations.of(Stack.of(role)).acknowledgeWarning('lib:first');
    warn(role, [{ id: 'lib:first', message: 'one' }, { id: 'lib:second', message: 'two' }]);
    expect(role.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => m.data)).toEqual(['two [ack: lib:second]']);
  });

  test.each([[undefined], ['1'], ['']])('the environment variable is as it was before (%p)', (before) => {
    if (before === undefined) delete process.env.CDK_DISABLE_STACK_TRACE;
    else process.env.CDK_DISABLE_STACK_TRACE = before;
    warn(scope(), [{ id: 'lib:first', message: 'one' }]);
    expect(process.env.CDK_DISABLE_STACK_TRACE).toBe(before);
    expect('CDK_DISABLE_STACK_TRACE' in process.env).toBe(before !== undefined);
  });

  test('no warnings: nothing recorded, and no annotations asked for (a role with nothing to warn about pays nothing)', () => {
    const role = scope();
    const annotations = jest.spyOn(CdkAnnotations, 'of');
    try {
      warn(role, []);
      expect(annotations).not.toHaveBeenCalled();
    } finally {
      annotations.mockRestore();
    }
    expect(role.node.metadata).toEqual([]);
  });
});
