# Marks cext/wexcore as the Cython package "wexcore", so a module compiled from
# cext/wexcore/<mod>.pyx finds its own <mod>.pxd and other modules can
# `cimport wexcore.<mod>` (the CMake rule passes no include directory for cext/).
