// How long the tests that spawn processes may take. Sized for a loaded 2-core machine: jest runs one
// worker beside its parent there, and the machine may be busy with other work (measured: a gitlab-ci-local
// job run takes ~3.5 s idle and ~4 s beside two CPU-bound processes, close to jest's 5 s default, and
// several times that when both jest workers spawn at once).
//
// Two bounds, the inner one first: each spawned process is killed after its own bound (PROCESS_MS,
// EMULATOR_JOB_MS, EMULATOR_PIPELINE_MS), so a hang fails fast with that process's output; the test's
// own timeout (the *_TEST_MS values, set per suite with jest.setTimeout or per test) is above the sum of
// the inner bounds it waits for, so jest's generic "Exceeded timeout" never hides the real cause.

/** One short process: ruby, node running the built command, npm pack, git. */
export const PROCESS_MS = 30_000;
/** One gitlab-ci-local run of one job. */
export const EMULATOR_JOB_MS = 60_000;
/** One gitlab-ci-local run of a whole generated pipeline. */
export const EMULATOR_PIPELINE_MS = 240_000;
/** A `cdk synth` of the example app by the real CDK CLI (ts-node compiles the app and the library's sources). */
export const CDK_SYNTH_MS = 180_000;

/**
 * A hook that starts loopback issuers: each generates RSA keys, which takes a random time, seconds on a
 * loaded machine (a 5 s default was seen to fail there).
 */
export const ISSUER_START_TEST_MS = 60_000;

/** A test that synthesizes a few whole apps in the jest process (no process spawned, CPU-bound). */
export const SYNTH_TEST_MS = 60_000;

/** A test that runs a few short processes. */
export const PROCESS_TEST_MS = 4 * PROCESS_MS;
/** A test that runs one job in the emulator (plus its git setup and a short process or two). */
export const EMULATOR_JOB_TEST_MS = EMULATOR_JOB_MS + 3 * PROCESS_MS;
/** A test (or hook) that runs one whole pipeline in the emulator. */
export const EMULATOR_PIPELINE_TEST_MS = EMULATOR_PIPELINE_MS + 2 * PROCESS_MS;
/** The hook that synthesizes the example app with the CDK CLI. */
export const CDK_SYNTH_TEST_MS = CDK_SYNTH_MS + PROCESS_MS;
