"""YAML read with a line per dotted path, within the parse limits of :mod:`.limits`.

Split from :mod:`forcegen.scenario._sources` (which re-exports :func:`read_yaml` and
:func:`parse_yaml`): nothing here validates meaning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import yaml

from forcegen._gc import gc_paused
from forcegen.exceptions import Problem
from forcegen.scenario.limits import (
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_ALIASES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
)

__all__ = ["parse_yaml", "read_yaml"]

# libyaml's composer is an order of magnitude faster than the pure-Python one and gives the
# same node marks; the pure-Python loader stays as the fallback where libyaml is missing.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_FLOAT_CHARS = "0123456789.eE"
_TAGS_KEPT = 100_000  # distinct plain scalars whose tag a parse remembers (bounded memory)


def _first_char_resolvers() -> dict[str, list[tuple[str, Any]]]:
    table = _Base.yaml_implicit_resolvers
    wild = list(table.get(None, []))
    return {k: [*v, *wild] for k, v in table.items() if k is not None}


class _LineLoader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader; we walk composed nodes ourselves to keep line numbers.

    libyaml's composer calls back into Python to resolve the tag of every node (a fifth of
    the parse of a large file): the safe loader has no path resolvers, so the path hooks do
    nothing and ``resolve`` is PyYAML's with its per-call list building done once.
    """

    _by_first: ClassVar[dict[str, list[tuple[str, Any]]]] = _first_char_resolvers()
    _wild: ClassVar[list[tuple[str, Any]]] = list(_Base.yaml_implicit_resolvers.get(None, []))

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # The tag of a plain scalar depends on its text alone, and a large file repeats few
        # texts (keys, codes, small numbers): looked up, not matched against the resolvers'
        # patterns again (a sixth of the parse of 20,000 relief offers).
        self._tags: dict[str, str] = {}

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                tag = self._tags.get(value)
                if tag is None:
                    tag = self._plain_tag(value)
                    if len(self._tags) < _TAGS_KEPT:
                        self._tags[value] = tag
                return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def _plain_tag(self, value: str) -> str:
        for tag, regexp in self._by_first.get(value[:1], self._wild):
            if regexp.match(value):
                return str(tag)
        return _STR


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1


class _Walker:
    """Composed nodes -> plain objects plus a line per dotted path, within the parse limits.

    An alias is the same node object met again; expanding it copies the anchor's value, so
    aliases, their expansion and nesting depth are counted here (libyaml itself composes a
    few hundred bytes of nested aliases instantly; it is the expansion that explodes).
    """

    def __init__(self, loader: yaml.SafeLoader, lines: dict[str, int] | None) -> None:
        self.loader = loader
        self.lines = lines  # None: no line map wanted (no dotted paths built either)
        self.constructors = loader.yaml_constructors
        self.seen: set[int] = set()  # collection nodes already expanded once
        self.open: set[int] = set()  # collection nodes on the current path (cycle check)
        self.aliases = 0
        self.alias_depth = 0  # > 0 while expanding an alias
        self.alias_nodes = 0
        self.nodes = 0

    def scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        # Plain decimal numbers (most values in a large file) without PyYAML's general
        # constructors; anything else (signs, "_", 0x, 0o, 1:30, .inf) takes the full path.
        if tag == _INT:
            v = node.value
            if v.isascii() and v.isdigit() and (v[0] != "0" or len(v) == 1):
                return int(v)
        elif tag == _FLOAT:
            v = node.value
            if v.isascii() and not v.strip(_FLOAT_CHARS):
                return float(v)
        ctor = self.constructors.get(node.tag)
        if ctor is None or not isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)  # refuses unknown tags
        return ctor(self.loader, node)

    def _sequence(self, node: yaml.SequenceNode, path: str, depth: int) -> list[Any]:
        if self.lines is None:
            return [self.walk(item, "", depth + 1) for item in node.value]
        head = f"{path}." if path else ""
        return [self.walk(item, f"{head}{i}", depth + 1) for i, item in enumerate(node.value)]

    def _mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict[str, Any]:
        lines = self.lines
        if lines is None:
            return self._mapping_plain(node, depth)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                k = str(self.scalar(key_node))
            else:  # a complex key: constructed by PyYAML (bounded by the checks above)
                k = str(self.walk(key_node, path, depth + 1))
            sub = f"{path}.{k}" if path else k
            out[k] = self.walk(value_node, sub, depth + 1)
            lines[sub] = key_node.start_mark.line + 1
        return out

    def _mapping_plain(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        """A mapping without the line map: :meth:`walk` with its scalar values read in line.

        The records of a large file are flat mappings; a call per value was a fifth of the
        parse. Counts and limits are those of :meth:`walk`.
        """
        out: dict[str, Any] = {}
        scalar_node = yaml.ScalarNode
        for key_node, value_node in node.value:
            if type(key_node) is scalar_node:
                k = key_node.value if key_node.tag == _STR else str(self.scalar(key_node))
            else:  # a complex key: constructed by PyYAML (bounded by the checks in walk)
                k = str(self.walk(key_node, "", depth + 1))
            if type(value_node) is scalar_node and not self.alias_depth:
                self.nodes += 1
                if self.nodes > MAX_YAML_NODES:
                    raise _TooBig(value_node, f"more than {MAX_YAML_NODES} values")
                out[k] = value_node.value if value_node.tag == _STR else self.scalar(value_node)
            else:
                out[k] = self.walk(value_node, "", depth + 1)
        return out

    def walk(self, node: yaml.Node, path: str, depth: int) -> Any:
        lines = self.lines
        if lines is not None:
            lines[path] = node.start_mark.line + 1
        self.nodes += 1
        if self.alias_depth:
            self.alias_nodes += 1
            if self.alias_nodes > MAX_YAML_ALIAS_NODES:
                raise _TooBig(node, f"aliases expand to more than {MAX_YAML_ALIAS_NODES} values")
        if self.nodes > MAX_YAML_NODES:
            raise _TooBig(node, f"more than {MAX_YAML_NODES} values")
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return self.scalar(node)
        key = id(node)
        if key in self.open:
            raise _TooBig(node, "an alias refers to the collection that contains it")
        if depth > MAX_YAML_DEPTH:
            raise _TooBig(node, f"nested more than {MAX_YAML_DEPTH} levels deep")
        alias = key in self.seen
        if alias:
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise _TooBig(node, f"more than {MAX_YAML_ALIASES} alias uses")
            self.alias_depth += 1
        self.seen.add(key)
        self.open.add(key)
        try:
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node, path, depth)
            return self._mapping(node, path, depth)
        finally:
            self.open.discard(key)
            if alias:
                self.alias_depth -= 1


def read_yaml(path: Path, *, lines: bool = True) -> tuple[Any, dict[str, int]]:
    """Parse a YAML file into plain objects and a map ``dotted.path -> line``.

    With ``lines=False`` the map is left empty (and no dotted path is built): a third faster
    on large files, for a caller that parses again with lines only when it has a problem to
    report (the data and the parse limits are the same either way).

    Raises
    ------
    forcegen.exceptions.ScenarioError
        On a syntax error, naming the line and column, or when the file exceeds a parse limit
        (aliases, nesting, size; see :mod:`forcegen.scenario.limits`).
    """
    return parse_yaml(path.read_text(encoding="utf-8"), str(path), lines=lines)


def parse_yaml(text: str, source: str, *, lines: bool = True) -> tuple[Any, dict[str, int]]:
    """:func:`read_yaml` on text already in memory; ``source`` names it in messages."""
    # The parse allocates a few objects per value and frees none of them: the cyclic garbage
    # collector would only rescan the growing heap again and again (a third of the time on a
    # 5,000-pledge file), so it pauses for the parse (nesting- and thread-safe, see _gc).
    with gc_paused():
        return _parse_yaml(text, source, lines)


def _parse_yaml(text: str, source: str, want_lines: bool) -> tuple[Any, dict[str, int]]:
    from forcegen.exceptions import ScenarioError

    loader = _LineLoader(text)
    lines: dict[str, int] = {}
    try:
        root = loader.get_single_node()
        walker = _Walker(loader, lines if want_lines else None)
        data = walker.walk(root, "", 0) if root is not None else None
    except _TooBig as exc:
        problem = Problem(source, f"YAML exceeds a parse limit: {exc}", exc.line)
        raise ScenarioError([problem]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = f"malformed YAML: {exc.problem or exc.context}"
        if mark is not None:
            msg += f" (column {mark.column + 1})"
        raise ScenarioError([Problem(source, msg, line)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(source, f"malformed YAML: {exc}")]) from None
    except (RecursionError, ValueError, OverflowError) as exc:
        # PyYAML's own constructors (timestamps, complex keys) on hostile input.
        raise ScenarioError([Problem(source, f"malformed YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return data, lines
