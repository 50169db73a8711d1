// Imported first by run.ts: the AWS SDK warns at load time that future versions need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
