// onnxruntime 1.29+ collects telemetry on Linux too (a session id and a log in $TMPDIR, a database
// under ~/.cache, uploads when a network is there) unless ORT_DISABLE_TELEMETRY is set before its
// environment starts. A confidential-inference tool must not report on the models it runs, so
// msplit turns it off unless the user set the variable explicitly. This module must be imported
// before onnxruntime-node (see ort.ts).
process.env.ORT_DISABLE_TELEMETRY ??= "1";
