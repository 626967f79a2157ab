"""The interpreter: a pure, flow-sensitive walk of Python functions over the abstract values of
:mod:`flaskmongo_lint.analysis.lattice`. It knows Python; what a library call means it asks the
models (:class:`flaskmongo_lint.models.semantics.Semantics`)."""
