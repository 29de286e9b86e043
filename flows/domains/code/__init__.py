"""The code domain: Python function tasks, solver and tester samples, the sandboxed N×M test
matrix, CodeT/B4/majority selection and UnitCoder-style repair rounds."""
