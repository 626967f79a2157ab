"""CPython's ``ast`` tree, as the libcst-shaped nodes of :mod:`flaskmongo_lint.syntax.nodes`.

What changes shape on the way (libcst's choice is the one kept, because the analysis reads it):

- simple statements sit in a ``SimpleStatementLine`` (several when ``;`` joins them), every block
  is an ``IndentedBlock`` (a one-line ``if x: return`` included);
- ``elif`` is an ``If`` in ``orelse``; ``else`` and ``finally`` are ``Else`` / ``Finally`` nodes;
- ``Call.args`` holds positional, keyword, ``*`` and ``**`` arguments in source order;
- ``a and b and c`` is ``(a and b) and c``; a comparison keeps its targets in a list;
- ``True``, ``False`` and ``None`` are ``Name``s; implicitly joined strings arrive joined;
- ``x[a, b]`` has two subscript elements, ``x[(a, b)]`` one.

Nodes CPython gives no position (an ``Arg``, a ``DictElement``, a name after ``as``) take the
span of what they hold.
"""
from __future__ import annotations

import ast
import re
from typing import Any, Callable, Dict, List, Optional

from flaskmongo_lint.syntax import nodes as n
from flaskmongo_lint.syntax.nodes import Source

_NAME_AFTER = re.compile(r"\s*(?:async\s+)?(?:def|class)\s+(\w+)".encode())

_BINARY = {
    ast.Add: n.Add, ast.Sub: n.Subtract, ast.Mult: n.Multiply, ast.Div: n.Divide, ast.FloorDiv: n.FloorDivide,
    ast.Mod: n.Modulo, ast.Pow: n.Power, ast.MatMult: n.MatrixMultiply, ast.LShift: n.LeftShift,
    ast.RShift: n.RightShift, ast.BitOr: n.BitOr, ast.BitAnd: n.BitAnd, ast.BitXor: n.BitXor,
}
_AUGMENTED = {k: n.node_class(v.__name__ + "Assign") for k, v in _BINARY.items()}
_UNARY = {ast.Not: n.Not, ast.USub: n.Minus, ast.UAdd: n.Plus, ast.Invert: n.BitInvert}
_COMPARE = {
    ast.Eq: n.Equal, ast.NotEq: n.NotEqual, ast.Lt: n.LessThan, ast.LtE: n.LessThanEqual, ast.Gt: n.GreaterThan,
    ast.GtE: n.GreaterThanEqual, ast.In: n.In, ast.NotIn: n.NotIn, ast.Is: n.Is, ast.IsNot: n.IsNot,
}
_SIMPLE = (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Raise, ast.Assert, ast.Delete,
           ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom)
_SIMPLE_NAMES = frozenset(c.__name__ for c in _SIMPLE) | {"TypeAlias"}


def convert(tree: ast.Module, text: str) -> n.CSTNode:
    """The libcst-shaped ``Module`` of CPython's ``tree`` of ``text``. Call with a recursion
    limit raised for deep expressions (every node costs one Python frame or two)."""
    return _Converter(Source(text)).module(tree)


class _Converter:
    def __init__(self, source: Source) -> None:
        self.source = source
        self._expr: Dict[type, Callable[[Any], n.CSTNode]] = {
            ast.Name: self.name, ast.Constant: self.constant, ast.Attribute: self.attribute, ast.Call: self.call,
            ast.Subscript: self.subscript, ast.JoinedStr: self.joined, ast.FormattedValue: self.formatted,
            ast.Tuple: self.sequence, ast.List: self.sequence, ast.Set: self.sequence, ast.Starred: self.starred,
            ast.Dict: self.dict, ast.BinOp: self.binop, ast.UnaryOp: self.unaryop, ast.BoolOp: self.boolop,
            ast.Compare: self.compare, ast.IfExp: self.ifexp, ast.Lambda: self.lambda_, ast.NamedExpr: self.named,
            ast.Await: self.await_, ast.Yield: self.yield_, ast.YieldFrom: self.yield_from,
            ast.ListComp: self.comprehension, ast.SetComp: self.comprehension, ast.GeneratorExp: self.comprehension,
            ast.DictComp: self.dictcomp, ast.Slice: self.slice,
        }
        self._stmt: Dict[type, Callable[[Any], n.CSTNode]] = {
            ast.FunctionDef: self.function, ast.AsyncFunctionDef: self.function, ast.ClassDef: self.classdef,
            ast.If: self.if_, ast.For: self.for_, ast.AsyncFor: self.for_, ast.While: self.while_,
            ast.Try: self.try_, ast.With: self.with_, ast.AsyncWith: self.with_,
            ast.Expr: self.expr_stmt, ast.Assign: self.assign, ast.AnnAssign: self.annassign,
            ast.AugAssign: self.augassign, ast.Return: self.return_, ast.Raise: self.raise_,
            ast.Assert: self.assert_, ast.Delete: self.delete, ast.Pass: self.keyword_stmt,
            ast.Break: self.keyword_stmt, ast.Continue: self.keyword_stmt, ast.Global: self.names_stmt,
            ast.Nonlocal: self.names_stmt, ast.Import: self.import_, ast.ImportFrom: self.import_from,
        }
        try_star = getattr(ast, "TryStar", None)
        if try_star is not None:
            self._stmt[try_star] = self.try_
        match = getattr(ast, "Match", None)
        if match is not None:
            self._stmt[match] = self.match
        type_alias = getattr(ast, "TypeAlias", None)
        if type_alias is not None:
            self._stmt[type_alias] = self.type_alias

    # ------------------------------------------------------------------------------------ places
    def at(self, node: ast.AST) -> n.Place:
        return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, self.source)  # type: ignore[attr-defined]

    def between(self, first: Optional[n.CSTNode], last: Optional[n.CSTNode]) -> Optional[n.Place]:
        a = first._p if first is not None else None
        b = last._p if last is not None else None
        if a is None or b is None:
            return a or b
        return (a[0], a[1], b[2], b[3], self.source)

    # ------------------------------------------------------------------------------ statements
    def module(self, tree: ast.Module) -> n.CSTNode:
        return n.Module(body=self.block(tree.body))

    def block(self, stmts: List[ast.stmt]) -> List[n.CSTNode]:
        """Statements as libcst lists them: simple ones grouped into lines."""
        out: List[n.CSTNode] = []
        line: Optional[n.CSTNode] = None
        end = -1
        for stmt in stmts:
            converted = self._stmt[type(stmt)](stmt)
            if type(stmt).__name__ in _SIMPLE_NAMES:
                if line is not None and stmt.lineno == end:  # after a ``;``
                    line.body.append(converted)
                    line._p = self.between(line, converted)
                else:
                    line = n.SimpleStatementLine(body=[converted], _p=converted._p)
                    out.append(line)
                end = stmt.end_lineno  # type: ignore[assignment]
            else:
                line, end = None, -1
                out.append(converted)
        return out

    def suite(self, stmts: List[ast.stmt]) -> n.CSTNode:
        body = self.block(stmts)
        return n.IndentedBlock(body=body, _p=self.between(body[0], body[-1]) if body else None)

    def decorators(self, node: Any) -> List[n.CSTNode]:
        """A definition's decorators, each placed from its ``@`` (CPython places the expression)."""
        out = []
        for d in node.decorator_list:
            line, col, end_line, end_col, source = self.at(d)
            at = self.source.encoded(line).rfind(b"@", 0, col)
            out.append(n.Decorator(decorator=self.expr(d), _p=(line, at if at >= 0 else col, end_line, end_col, source)))
        return out

    def last_name(self, node: ast.AST, name: str) -> n.CSTNode:
        """The ``Name`` a pattern ends with (``case [*rest]``, ``case Point() as p``)."""
        line, end = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
        return n.Name(value=name, _p=(line, end - len(name.encode("utf-8")), line, end, self.source))

    def bound_name(self, handler: ast.ExceptHandler, name: str) -> n.CSTNode:
        """The name after ``as`` in an ``except`` clause, found in its line."""
        line = handler.lineno
        found = re.compile(rb"\bas\s+(" + re.escape(name.encode("utf-8")) + rb")\b").search(
            self.source.encoded(line), handler.col_offset)
        if found is None:
            return n.Name(value=name, _p=self.at(handler))
        return n.Name(value=name, _p=(line, found.start(1), line, found.end(1), self.source))

    def name_at(self, node: ast.AST, name: str) -> n.CSTNode:
        """The ``Name`` of a ``def`` or ``class`` (CPython gives it no position: found in the line)."""
        line = node.lineno  # type: ignore[attr-defined]
        text = self.source.encoded(line)
        found = _NAME_AFTER.match(text, node.col_offset)  # type: ignore[attr-defined]
        if found is None or found.group(1).decode("utf-8", "replace") != name:
            return n.Name(value=name, _p=self.at(node))
        return n.Name(value=name, _p=(line, found.start(1), line, found.end(1), self.source))

    def function(self, node: ast.FunctionDef) -> n.CSTNode:
        return n.FunctionDef(
            decorators=self.decorators(node),
            name=self.name_at(node, node.name), params=self.parameters(node.args),
            returns=n.Annotation(annotation=self.expr(node.returns), _p=self.at(node.returns)) if node.returns else None,
            body=self.suite(node.body),
            asynchronous=n.Asynchronous() if isinstance(node, ast.AsyncFunctionDef) else None, _p=self.at(node),
        )

    def parameters(self, args: ast.arguments) -> n.CSTNode:
        positional = [*args.posonlyargs, *args.args]
        defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        params = [self.param(a, d) for a, d in zip(positional, defaults)]
        cut = len(args.posonlyargs)
        star: Optional[n.CSTNode] = None
        if args.vararg is not None:
            star = self.param(args.vararg, None, "*")
        elif args.kwonlyargs:
            star = n.ParamStar()
        return n.Parameters(
            posonly_params=params[:cut], params=params[cut:], star_arg=star,
            kwonly_params=[self.param(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults)],
            star_kwarg=self.param(args.kwarg, None, "**") if args.kwarg is not None else None,
        )

    def param(self, arg: ast.arg, default: Optional[ast.expr], star: str = "") -> n.CSTNode:
        name = n.Name(value=arg.arg, _p=(arg.lineno, arg.col_offset, arg.lineno,
                                         arg.col_offset + len(arg.arg.encode("utf-8")), self.source))
        value = self.expr(default) if default is not None else None
        annotation = n.Annotation(annotation=self.expr(arg.annotation), _p=self.at(arg.annotation)) \
            if arg.annotation is not None else None
        node = n.Param(name=name, annotation=annotation, default=value, star=star, _p=self.at(arg))
        if value is not None:
            node._p = self.between(node, value)
        return node

    def classdef(self, node: ast.ClassDef) -> n.CSTNode:
        return n.ClassDef(
            decorators=self.decorators(node),
            name=self.name_at(node, node.name), bases=[self.arg(b) for b in node.bases],
            keywords=[self.keyword(k) for k in node.keywords], body=self.suite(node.body), _p=self.at(node),
        )

    def orelse(self, node: ast.stmt, stmts: List[ast.stmt]) -> Optional[n.CSTNode]:
        if not stmts:
            return None
        first = stmts[0]
        if isinstance(node, ast.If) and len(stmts) == 1 and isinstance(first, ast.If) and \
                self.source.encoded(first.lineno)[first.col_offset:first.col_offset + 4] == b"elif":
            return self.if_(first)
        return n.Else(body=self.suite(stmts))

    def if_(self, node: ast.If) -> n.CSTNode:
        return n.If(test=self.expr(node.test), body=self.suite(node.body), orelse=self.orelse(node, node.orelse),
                    _p=self.at(node))

    def for_(self, node: ast.For) -> n.CSTNode:
        return n.For(target=self.expr(node.target), iter=self.expr(node.iter), body=self.suite(node.body),
                     orelse=self.orelse(node, node.orelse),
                     asynchronous=n.Asynchronous() if isinstance(node, ast.AsyncFor) else None, _p=self.at(node))

    def while_(self, node: ast.While) -> n.CSTNode:
        return n.While(test=self.expr(node.test), body=self.suite(node.body), orelse=self.orelse(node, node.orelse),
                       _p=self.at(node))

    def try_(self, node: ast.Try) -> n.CSTNode:
        star = type(node).__name__ == "TryStar"
        handler_class = n.ExceptStarHandler if star else n.ExceptHandler
        handlers = []
        for h in node.handlers:
            name = None
            if h.name is not None:
                name = n.AsName(name=self.bound_name(h, h.name), _p=self.at(h))
            handlers.append(handler_class(type=self.expr(h.type) if h.type is not None else None, name=name,
                                          body=self.suite(h.body), _p=self.at(h)))
        return (n.TryStar if star else n.Try)(
            body=self.suite(node.body), handlers=handlers, orelse=self.orelse(node, node.orelse),
            finalbody=n.Finally(body=self.suite(node.finalbody)) if node.finalbody else None, _p=self.at(node),
        )

    def with_(self, node: ast.With) -> n.CSTNode:
        items = []
        for item in node.items:
            value = self.expr(item.context_expr)
            asname = None
            if item.optional_vars is not None:
                target = self.expr(item.optional_vars)
                asname = n.AsName(name=target, _p=target._p)
            items.append(n.WithItem(item=value, asname=asname, _p=self.between(value, asname)))
        return n.With(items=items, body=self.suite(node.body),
                      asynchronous=n.Asynchronous() if isinstance(node, ast.AsyncWith) else None, _p=self.at(node))

    def match(self, node: Any) -> n.CSTNode:
        cases = [n.MatchCase(pattern=self.pattern(c.pattern), guard=self.expr(c.guard) if c.guard else None,
                             body=self.suite(c.body), _p=self.at(c.pattern)) for c in node.cases]
        return n.Match(subject=self.expr(node.subject), cases=cases, _p=self.at(node))

    def pattern(self, node: Any) -> n.CSTNode:
        kind = type(node).__name__
        at = self.at(node)
        if kind == "MatchValue":
            return n.MatchValue(value=self.expr(node.value), _p=at)
        if kind == "MatchSingleton":
            return n.MatchSingleton(value=n.Name(value=repr(node.value), _p=at), _p=at)
        if kind == "MatchAs":
            name = self.last_name(node, node.name) if node.name is not None else None
            return n.MatchAs(pattern=self.pattern(node.pattern) if node.pattern is not None else None, name=name, _p=at)
        if kind == "MatchStar":
            return n.MatchStar(name=self.last_name(node, node.name) if node.name else None, _p=at)
        if kind == "MatchSequence":
            text = self.source.encoded(node.lineno)[node.col_offset:node.col_offset + 1]
            cls = n.MatchList if text == b"[" else n.MatchTuple
            return cls(patterns=[self.sequence_pattern(p) for p in node.patterns], _p=at)
        if kind == "MatchMapping":
            elements = [n.MatchMappingElement(key=self.expr(k), pattern=self.pattern(p)) for k, p in
                        zip(node.keys, node.patterns)]
            return n.MatchMapping(elements=elements, rest=n.Name(value=node.rest, _p=at) if node.rest else None, _p=at)
        if kind == "MatchClass":
            return n.MatchClass(
                cls=self.expr(node.cls), patterns=[self.sequence_pattern(p) for p in node.patterns],
                kwds=[n.MatchKeywordElement(key=n.Name(value=k, _p=at), pattern=self.pattern(p))
                      for k, p in zip(node.kwd_attrs, node.kwd_patterns)], _p=at)
        if kind == "MatchOr":
            return n.MatchOr(patterns=[n.MatchOrElement(pattern=self.pattern(p)) for p in node.patterns], _p=at)
        raise TypeError(f"unknown pattern {kind}")

    def sequence_pattern(self, node: Any) -> n.CSTNode:
        converted = self.pattern(node)
        if isinstance(converted, n.MatchStar):
            return converted
        return n.MatchSequenceElement(value=converted, _p=converted._p)

    def expr_stmt(self, node: ast.Expr) -> n.CSTNode:
        return n.Expr(value=self.expr(node.value), _p=self.at(node))

    def assign(self, node: ast.Assign) -> n.CSTNode:
        targets = []
        for t in node.targets:
            target = self.expr(t)
            targets.append(n.AssignTarget(target=target, _p=target._p))
        return n.Assign(targets=targets, value=self.expr(node.value), _p=self.at(node))

    def annassign(self, node: ast.AnnAssign) -> n.CSTNode:
        return n.AnnAssign(target=self.expr(node.target),
                           annotation=n.Annotation(annotation=self.expr(node.annotation), _p=self.at(node.annotation)),
                           value=self.expr(node.value) if node.value is not None else None, _p=self.at(node))

    def augassign(self, node: ast.AugAssign) -> n.CSTNode:
        return n.AugAssign(target=self.expr(node.target), operator=_AUGMENTED[type(node.op)](),
                           value=self.expr(node.value), _p=self.at(node))

    def return_(self, node: ast.Return) -> n.CSTNode:
        return n.Return(value=self.expr(node.value) if node.value is not None else None, _p=self.at(node))

    def raise_(self, node: ast.Raise) -> n.CSTNode:
        return n.Raise(exc=self.expr(node.exc) if node.exc is not None else None,
                       cause=n.From(item=self.expr(node.cause), _p=self.at(node.cause)) if node.cause is not None else None,
                       _p=self.at(node))

    def assert_(self, node: ast.Assert) -> n.CSTNode:
        return n.Assert(test=self.expr(node.test), msg=self.expr(node.msg) if node.msg is not None else None,
                        _p=self.at(node))

    def delete(self, node: ast.Delete) -> n.CSTNode:
        targets = [self.expr(t) for t in node.targets]
        if len(targets) == 1:
            target = targets[0]
        else:
            target = n.Tuple(elements=[n.Element(value=t, _p=t._p) for t in targets],
                             _p=self.between(targets[0], targets[-1]))
        return n.Del(target=target, _p=self.at(node))

    def keyword_stmt(self, node: ast.stmt) -> n.CSTNode:
        cls = {ast.Pass: n.Pass, ast.Break: n.Break, ast.Continue: n.Continue}[type(node)]
        return cls(_p=self.at(node))

    def names_stmt(self, node: Any) -> n.CSTNode:
        at = self.at(node)
        cls = n.Global if isinstance(node, ast.Global) else n.Nonlocal
        return cls(names=[n.NameItem(name=n.Name(value=x, _p=at), _p=at) for x in node.names], _p=at)

    def dotted_name(self, dotted: str, at: n.Place) -> n.CSTNode:
        parts = dotted.split(".")
        node: n.CSTNode = n.Name(value=parts[0], _p=at)
        for part in parts[1:]:
            node = n.Attribute(value=node, attr=n.Name(value=part, _p=at), _p=at)
        return node

    def alias(self, alias: ast.alias, at: n.Place) -> n.CSTNode:
        place = self.at(alias) if hasattr(alias, "lineno") else at
        asname = n.AsName(name=n.Name(value=alias.asname, _p=place), _p=place) if alias.asname else None
        return n.ImportAlias(name=self.dotted_name(alias.name, place), asname=asname, _p=place)

    def import_(self, node: ast.Import) -> n.CSTNode:
        at = self.at(node)
        return n.Import(names=[self.alias(a, at) for a in node.names], _p=at)

    def import_from(self, node: ast.ImportFrom) -> n.CSTNode:
        at = self.at(node)
        names: Any
        if len(node.names) == 1 and node.names[0].name == "*":
            names = n.ImportStar(_p=at)
        else:
            names = [self.alias(a, at) for a in node.names]
        return n.ImportFrom(module=self.dotted_name(node.module, at) if node.module else None, names=names,
                            relative=[n.Dot() for _ in range(node.level or 0)], _p=at)

    def type_alias(self, node: Any) -> n.CSTNode:
        return n.TypeAlias(name=self.expr(node.name), value=self.expr(node.value), _p=self.at(node))

    # ----------------------------------------------------------------------------- expressions
    def expr(self, node: ast.AST) -> n.CSTNode:
        return self._expr[type(node)](node)

    def name(self, node: ast.Name) -> n.CSTNode:
        return n.Name(value=node.id, _p=(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,
                                         self.source))

    def constant(self, node: ast.Constant) -> n.CSTNode:
        value = node.value
        at = self.at(node)
        if isinstance(value, (str, bytes)):
            return n.SimpleString(evaluated_value=value, _p=at)
        if value is None or value is True or value is False:
            return n.Name(value=repr(value), _p=at)
        if isinstance(value, int):
            return n.Integer(evaluated_value=value, _p=at)
        if isinstance(value, float):
            return n.Float(evaluated_value=value, _p=at)
        if isinstance(value, complex):
            return n.Imaginary(evaluated_value=value, _p=at)
        return n.Ellipsis(_p=at)

    def attribute(self, node: ast.Attribute) -> n.CSTNode:
        end_line, end_col = node.end_lineno, node.end_col_offset
        width = len(node.attr.encode("utf-8")) if not node.attr.isascii() else len(node.attr)
        attr = n.Name(value=node.attr, _p=(end_line, end_col - width, end_line, end_col, self.source))
        return n.Attribute(value=self.expr(node.value), attr=attr, _p=self.at(node))

    def arg(self, node: ast.expr, sole: bool = False) -> n.CSTNode:
        """A positional argument: placed with the parentheses of a tuple or generator it holds,
        except those of a generator that is a call's only argument (they are the call's)."""
        if isinstance(node, ast.Starred):
            return n.Arg(value=self.expr(node.value), star="*", _p=self.at(node))
        value = self.expr(node)
        own = isinstance(node, ast.Tuple) or (isinstance(node, ast.GeneratorExp) and not sole)
        return n.Arg(value=value, star="", _p=self.at(node) if own else value._p)

    def keyword(self, node: ast.keyword) -> n.CSTNode:
        value = self.expr(node.value)
        at = self.at(node) if hasattr(node, "lineno") else value._p
        if node.arg is None:
            return n.Arg(value=value, star="**", _p=at)
        assert at is not None
        key = n.Name(value=node.arg, _p=(at[0], at[1], at[0], at[1] + len(node.arg.encode("utf-8")), self.source))
        return n.Arg(keyword=key, value=value, star="", _p=at)

    def call(self, node: ast.Call) -> n.CSTNode:
        sole = len(node.args) == 1 and not node.keywords
        args = [self.arg(a, sole) for a in node.args]
        if node.keywords:
            args.extend(self.keyword(k) for k in node.keywords)
            if node.args and any(isinstance(a, ast.Starred) for a in node.args):
                # ``f(a=1, *rest)``: put them back in the order written.
                args.sort(key=lambda a: (a._p[0], a._p[1]) if a._p else (0, 0))
        return n.Call(func=self.expr(node.func), args=args, _p=self.at(node))

    def subscript(self, node: ast.Subscript) -> n.CSTNode:
        index = node.slice
        if type(index).__name__ == "Index":  # Python 3.8
            index = index.value  # type: ignore[attr-defined]
        items: List[ast.AST]
        if isinstance(index, ast.Tuple) and index.elts and \
                self.source.encoded(index.lineno)[index.col_offset:index.col_offset + 1] != b"(":
            items = list(index.elts)
        else:
            items = [index]
        elements = []
        for item in items:
            if isinstance(item, ast.Slice):
                inner = self.slice(item)
            elif isinstance(item, ast.Starred):
                value = self.expr(item.value)
                inner = n.Index(value=value, star="*", _p=self.at(item))
            else:
                value = self.expr(item)
                inner = n.Index(value=value, star=None, _p=value._p)
            elements.append(n.SubscriptElement(slice=inner, _p=inner._p))
        return n.Subscript(value=self.expr(node.value), slice=elements, _p=self.at(node))

    def slice(self, node: ast.Slice) -> n.CSTNode:
        return n.Slice(lower=self.expr(node.lower) if node.lower is not None else None,
                       upper=self.expr(node.upper) if node.upper is not None else None,
                       step=self.expr(node.step) if node.step is not None else None,
                       _p=self.at(node) if hasattr(node, "lineno") else None)

    def joined(self, node: ast.JoinedStr) -> n.CSTNode:
        parts: List[n.CSTNode] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(n.FormattedStringText(value=value.value, _p=self.at(value)))
            else:
                parts.append(self.formatted(value))
        return n.FormattedString(parts=parts, _p=self.at(node))

    def formatted(self, node: ast.FormattedValue) -> n.CSTNode:
        return n.FormattedStringExpression(
            expression=self.expr(node.value),
            format_spec=self.joined(node.format_spec).parts if node.format_spec is not None else None,
            conversion=chr(node.conversion) if node.conversion and node.conversion > 0 else None, _p=self.at(node),
        )

    def element(self, node: ast.expr) -> n.CSTNode:
        if isinstance(node, ast.Starred):
            return n.StarredElement(value=self.expr(node.value), _p=self.at(node))
        value = self.expr(node)
        own = isinstance(node, (ast.Tuple, ast.GeneratorExp))  # placed with their parentheses
        return n.Element(value=value, _p=self.at(node) if own else value._p)

    def sequence(self, node: Any) -> n.CSTNode:
        cls = {ast.Tuple: n.Tuple, ast.List: n.List, ast.Set: n.Set}[type(node)]
        elements = [self.element(e) for e in node.elts]
        at = self.at(node)
        if cls is n.Tuple and self.parenthesised(node):
            at = (at[0], at[1] + 1, at[2], at[3] - 1, at[4])  # libcst's place is inside the parentheses
        return cls(elements=elements, _p=at)

    def parenthesised(self, node: ast.Tuple) -> bool:
        """Whether a tuple's first parenthesis is its own (``(a, b)``, ``((a), b)``, ``(a,)``),
        not its first element's (``(a), b``, ``(a),``): CPython places a tuple from its
        parenthesis either way. The tuple's own opens before the first element and is not
        closed before the comma after it."""
        text = self.source.encoded(node.lineno)
        if text[node.col_offset:node.col_offset + 1] != b"(":
            return False
        if not node.elts:
            return True
        first = node.elts[0]
        then = node.elts[1] if len(node.elts) > 1 else None
        before = self.source.segment(node.lineno, node.col_offset, first.lineno, first.col_offset)
        after = self.source.segment(first.end_lineno, first.end_col_offset,  # type: ignore[arg-type]
                                    then.lineno if then else node.end_lineno,  # type: ignore[arg-type]
                                    then.col_offset if then else node.end_col_offset)  # type: ignore[arg-type]
        return before.count("(") > after.split(",", 1)[0].count(")")

    def starred(self, node: ast.Starred) -> n.CSTNode:
        return n.StarredElement(value=self.expr(node.value), _p=self.at(node))

    def dict(self, node: ast.Dict) -> n.CSTNode:
        elements: List[n.CSTNode] = []
        for key, value in zip(node.keys, node.values):
            v = self.expr(value)
            if key is None:
                elements.append(n.StarredDictElement(value=v, _p=v._p))
            else:
                k = self.expr(key)
                elements.append(n.DictElement(key=k, value=v, _p=self.between(k, v)))
        return n.Dict(elements=elements, _p=self.at(node))

    def binop(self, node: ast.BinOp) -> n.CSTNode:
        return n.BinaryOperation(left=self.expr(node.left), operator=_BINARY[type(node.op)](),
                                 right=self.expr(node.right), _p=self.at(node))

    def unaryop(self, node: ast.UnaryOp) -> n.CSTNode:
        return n.UnaryOperation(operator=_UNARY[type(node.op)](), expression=self.expr(node.operand), _p=self.at(node))

    def boolop(self, node: ast.BoolOp) -> n.CSTNode:
        op = n.And if isinstance(node.op, ast.And) else n.Or
        values = [self.expr(v) for v in node.values]
        result = values[0]
        for value in values[1:-1]:
            result = n.BooleanOperation(left=result, operator=op(), right=value, _p=self.between(result, value))
        return n.BooleanOperation(left=result, operator=op(), right=values[-1], _p=self.at(node))

    def compare(self, node: ast.Compare) -> n.CSTNode:
        targets = []
        for op, comparator in zip(node.ops, node.comparators):
            value = self.expr(comparator)
            targets.append(n.ComparisonTarget(operator=_COMPARE[type(op)](), comparator=value, _p=value._p))
        return n.Comparison(left=self.expr(node.left), comparisons=targets, _p=self.at(node))

    def ifexp(self, node: ast.IfExp) -> n.CSTNode:
        # libcst's field order is the order written: body, test, orelse.
        return n.IfExp(body=self.expr(node.body), test=self.expr(node.test), orelse=self.expr(node.orelse),
                       _p=self.at(node))

    def lambda_(self, node: ast.Lambda) -> n.CSTNode:
        return n.Lambda(params=self.parameters(node.args), body=self.expr(node.body), _p=self.at(node))

    def named(self, node: ast.NamedExpr) -> n.CSTNode:
        return n.NamedExpr(target=self.expr(node.target), value=self.expr(node.value), _p=self.at(node))

    def await_(self, node: ast.Await) -> n.CSTNode:
        return n.Await(expression=self.expr(node.value), _p=self.at(node))

    def yield_(self, node: ast.Yield) -> n.CSTNode:
        return n.Yield(value=self.expr(node.value) if node.value is not None else None, _p=self.at(node))

    def yield_from(self, node: ast.YieldFrom) -> n.CSTNode:
        item = self.expr(node.value)
        return n.Yield(value=n.From(item=item, _p=item._p), _p=self.at(node))

    def generators(self, generators: List[ast.comprehension]) -> n.CSTNode:
        inner: Optional[n.CSTNode] = None
        for gen in reversed(generators):
            target = self.expr(gen.target)
            inner = n.CompFor(target=target, iter=self.expr(gen.iter),
                              ifs=[n.CompIf(test=self.expr(t)) for t in gen.ifs], inner_for_in=inner,
                              asynchronous=n.Asynchronous() if gen.is_async else None, _p=target._p)
        assert inner is not None
        return inner

    def comprehension(self, node: Any) -> n.CSTNode:
        cls = {ast.ListComp: n.ListComp, ast.SetComp: n.SetComp, ast.GeneratorExp: n.GeneratorExp}[type(node)]
        at = self.at(node)
        if cls is n.GeneratorExp:  # CPython places it with its parentheses (a call's, if it has none); libcst inside
            at = (at[0], at[1] + 1, at[2], at[3] - 1, at[4])
        return cls(elt=self.expr(node.elt), for_in=self.generators(node.generators), _p=at)

    def dictcomp(self, node: ast.DictComp) -> n.CSTNode:
        return n.DictComp(key=self.expr(node.key), value=self.expr(node.value),
                          for_in=self.generators(node.generators), _p=self.at(node))


__all__ = ["convert"]
