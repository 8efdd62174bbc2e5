"""Build the example against the installed wexcore (not its source tree):
the .pxd files are found on sys.path, the C headers in wexcore.get_include().

    python setup.py build_ext --inplace
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

import wexcore

setup(
    name="wexcore-embed-example",
    ext_modules=cythonize(
        [Extension("replay", ["replay.pyx"], include_dirs=[wexcore.get_include()])],
        language_level=3,
    ),
)
