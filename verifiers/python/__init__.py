"""Python checks: a function's tests (`check`) run by the sandboxed harness (`harness`), stdin
programs judged on input/output pairs (`stdio`), generated inputs (`inputs`), recorded outputs
(`outputs`), and the plain-data encoding their values cross the sandbox in (`plaindata`)."""
