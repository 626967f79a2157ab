"""The syntax tree the analysis reads (see :mod:`flaskmongo_lint.syntax.nodes`): ``syntax.Call``,
``syntax.Name`` ... with libcst's names and fields, built from CPython's ``ast``."""
from flaskmongo_lint.syntax.nodes import *  # noqa: F401,F403 - the node classes are this package's interface
from flaskmongo_lint.syntax.nodes import __all__  # noqa: F401
