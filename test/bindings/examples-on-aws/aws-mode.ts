/**
 * Imported first by each file here: the pipelines these tests start run every Node.js handler's
 * bindings through the AWS transport (SDK v3 clients at the served APIs' `AWS_ENDPOINT_URL`, each
 * resource from its `TRIBUTARY_<KIND>_<NAME>` variable), the code path of a deployed function.
 * A binding call that reached the local transport instead fails (src/functions/kind.ts).
 */
process.env.TRIBUTARY_TRANSPORT = 'aws'
