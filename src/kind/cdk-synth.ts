import { createRequire } from 'node:module'
import type * as CdkLib from 'aws-cdk-lib'

/**
 * aws-cdk-lib for the synthesis faces, loaded with `require`. It is CommonJS whose exports are
 * lazy getters (a service's module, a class's file, loads on first use). An ES `import` of it
 * builds a namespace by reading every export the module lists, which loads all of it: the barrel
 * `aws-cdk-lib` that way took 2-4 s, the fifteen service modules synth uses about 3 s more, against
 * about 1 s for what synth uses through `require` (docs/benchmarks.md). So the faces take their
 * values from here (`const { Duration } = cdk`, `const { Role } = cdk.aws_iam`) and their types
 * from `import type`, which costs nothing at run time.
 *
 * @example
 * import type * as iam from 'aws-cdk-lib/aws-iam'
 * const { PolicyStatement } = cdk.aws_iam
 * const allow = (grantee: iam.IGrantable) => grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({...}))
 */
export const cdk = createRequire(import.meta.url)('aws-cdk-lib') as typeof CdkLib
