"""Plain-Python versions of the compiled kernels.

They are the test oracle and the benchmark baseline, written from the spec
independently of the Cython code. Nothing in wexcore imports them at run time.
"""
